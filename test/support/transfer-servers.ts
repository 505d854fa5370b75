/**
 * Peers of the station's file transfers, on 127.0.0.1: an HTTP(S) file server (node:http/https)
 * that serves images and takes uploads, an FTP server (Debian's python3-pyftpdlib, a real child
 * process), and a dead port (nothing listens there).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FileServer {
  /** http(s)://127.0.0.1:<port> */
  base: string;
  /** Bytes served at a path (GET). */
  files: Map<string, Buffer>;
  /** Bodies received by PUT/POST, by path. */
  uploads: Map<string, Buffer>;
  /** Every request as "METHOD path", in order. */
  requests: string[];
  /** Answer the next n requests with 503 (the retry tests). */
  failNext(n: number): void;
  /** Real milliseconds to wait before answering each request (a slow server). */
  delayMs: number;
  close(): Promise<void>;
}

/** A file server on 127.0.0.1:0; with `tls`, HTTPS with that certificate. */
export async function startFileServer(tls?: { cert: string; key: string }): Promise<FileServer> {
  const files = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer>();
  const requests: string[] = [];
  let failing = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (api.delayMs > 0) setTimeout(() => answer(req, res), api.delayMs);
    else answer(req, res);
  };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path}`);
    if (failing > 0) {
      failing--;
      req.resume();
      res.writeHead(503).end('try later');
      return;
    }
    if (req.method === 'GET') {
      const body = files.get(path);
      if (!body) res.writeHead(404).end('no such file');
      else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      return;
    }
    if (req.method === 'PUT' || req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        uploads.set(path, Buffer.concat(chunks));
        res.writeHead(201).end();
      });
      return;
    }
    res.writeHead(405).end();
  };
  const api: FileServer = {
    base: '',
    files, uploads, requests, delayMs: 0,
    failNext: (n) => {
      failing = n;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  Object.assign(api, { base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` });
  return api;
}

/** A port on 127.0.0.1 with nothing listening (bound once, then released). */
export async function deadPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Why the FTP server cannot run here, or undefined when it can. */
export function ftpServerMissing(): string | undefined {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import pyftpdlib'], { encoding: 'utf8' });
  if (r.error) return `/usr/bin/python3 not found (${r.error.message})`;
  if (r.status !== 0) return 'python3-pyftpdlib is not installed (apt-get install -y python3-pyftpdlib)';
  return undefined;
}

export interface FtpServer {
  /** ftp://127.0.0.1:<port> */
  base: string;
  /** The served directory (anonymous users may read and write). */
  dir: string;
  close(): Promise<void>;
}

async function waitForListen(port: number, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pyftpdlib exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() - started > timeoutMs) throw new Error(`pyftpdlib did not listen on ${port} within ${timeoutMs} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `python3 -m pyftpdlib` on a free port of 127.0.0.1, serving a new temp dir, writable. */
export async function startFtpServer(): Promise<FtpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-ftp-'));
  const port = await deadPort();
  const child = spawn('/usr/bin/python3', ['-m', 'pyftpdlib', '-i', '127.0.0.1', '-p', String(port), '-w', '-d', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  try {
    await waitForListen(port, child, () => err, 10_000);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    base: `ftp://127.0.0.1:${port}`,
    dir,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SilentPeer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 that accepts connections and never sends or answers anything. */
export async function startSilentPeer(): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv = createTcpServer((sock) => {
    accepted++;
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as AddressInfo).port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
