/**
 * A pcap made in the test: dumpcap captures the loopback interface while a real OCPP-J exchange
 * (a ws client and server on 127.0.0.1, port 0) and a Modbus/TCP read (one request/response over
 * a TCP socket on a port named as the importer's modbusPorts) cross it; the import decodes both
 * with tshark. Skipped, with the reason printed, where tshark/dumpcap are missing or capturing on
 * the loopback interface is not permitted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { importFile } from '../../src/replay/import.js';
import { loadTrace } from '../../src/replay/script.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function why(): string | undefined {
  for (const tool of ['tshark', 'dumpcap']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return `${tool} is not installed (apt-get install -y tshark)`;
  }
  const r = spawnSync('dumpcap', ['-D'], { encoding: 'utf8' });
  if (r.status !== 0 || !/\blo\b/.test(r.stdout)) return `dumpcap cannot list the loopback interface here (${(r.stderr || r.stdout).trim().split('\n').at(-1)})`;
  return undefined;
}
const skip = why();
if (skip) console.log(`pcap import: skipped: ${skip}`);

async function startCapture(file: string): Promise<ChildProcess> {
  const child = spawn('dumpcap', ['-i', 'lo', '-w', file, '-q', '-f', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  // dumpcap says "Capturing on" once it is listening
  await new Promise<void>((resolve, reject) => {
    const check = (): void => { if (/Capturing on/.test(err)) resolve(); };
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`dumpcap exited ${code}: ${err}`)));
  });
  // it prints that line a moment before packets are really taken
  await new Promise((r) => setTimeout(r, 1000));
  return child;
}

describe.skipIf(!!skip)('import: pcap of OCPP over WebSocket and Modbus/TCP (tshark)', () => {
  it('decodes the frames with station identity and direction, and the Modbus transactions', async () => {
    const file = join(dir, 'cap.pcapng');
    const cap = await startCapture(file);
    let wss: WebSocketServer | undefined;
    let mb: Server | undefined;
    let mbPort = 0;
    try {
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' });
      wss.on('connection', (s) => s.on('message', (m) => {
        const f = JSON.parse(String(m)) as [number, string, string];
        s.send(JSON.stringify([3, f[1], f[2] === 'Authorize' ? { idTagInfo: { status: 'Blocked' } } : { status: 'Rejected', currentTime: '2025-01-01T00:00:00Z', interval: 30 }]));
      }));
      await new Promise<void>((r) => wss!.once('listening', () => r()));
      const port = (wss.address() as { port: number }).port;
      const c = new WebSocket(`ws://127.0.0.1:${port}/ocpp/CP-PCAP-1`, 'ocpp1.6');
      await new Promise<void>((r) => c.once('open', () => r()));
      for (const f of [[2, 'p1', 'BootNotification', { chargePointVendor: 'v', chargePointModel: 'm' }], [2, 'p2', 'Authorize', { idTag: 'T1' }]]) {
        const answered = new Promise<void>((r) => c.once('message', () => r()));
        c.send(JSON.stringify(f));
        await answered;
      }
      await new Promise<void>((r) => { c.once('close', () => r()); c.close(); });
      // Modbus/TCP: read 2 holding registers at 0x0000, unit 1, answered 0x1234 0x5678
      mb = createServer((s) => s.on('data', (req) => s.write(Buffer.from([req[0]!, req[1]!, 0, 0, 0, 7, 1, 3, 4, 0x12, 0x34, 0x56, 0x78]))));
      await new Promise<void>((r) => mb!.listen(0, '127.0.0.1', () => r()));
      mbPort = (mb.address() as { port: number }).port;
      const sock = connect(mbPort, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      const got = new Promise<void>((r) => sock.once('data', () => r()));
      sock.write(Buffer.from([0, 9, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2]));
      await got;
      sock.destroy();
      await new Promise((r) => setImmediate(r));
    } finally {
      await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      await new Promise<void>((r) => (mb ? mb.close(() => r()) : r()));
      // let dumpcap write the last packets, then stop it
      await new Promise((r) => setTimeout(r, 500));
      await new Promise((r) => { cap.once('exit', r); cap.kill('SIGINT'); });
    }
    expect(statSync(file).size).toBeGreaterThan(0);
    const out = join(dir, 'cap.jsonl');
    const s = await importFile({ input: file, output: out, modbusPorts: [mbPort] });
    expect(s.format).toBe('pcap');
    const { stations } = await loadTrace(out);
    const st = stations.find((x) => x.identity === 'CP-PCAP-1');
    expect(st?.version).toBe('1.6');
    expect(st?.up.map((e) => [e.action, e.answer?.payload])).toEqual([
      ['BootNotification', { status: 'Rejected', currentTime: '2025-01-01T00:00:00Z', interval: 30 }],
      ['Authorize', { idTagInfo: { status: 'Blocked' } }],
    ]);
    const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event?: string; data?: unknown });
    expect(recs.filter((r) => r.event === 'modbus-request').map((r) => r.data)).toEqual([{ transaction: 9, unit: 1, function: 3, address: 0, count: 2 }]);
    expect(recs.filter((r) => r.event === 'modbus-response').map((r) => r.data)).toEqual([expect.objectContaining({ transaction: 9, function: 3, registers: [0x1234, 0x5678] })]);
  }, 30_000);
});

describe('import: pcap without tshark', () => {
  it('says that tshark is needed and how to get it', async () => {
    await expect(importFile({ input: join(dir, 'none.pcap'), output: join(dir, 'x.jsonl'), format: 'pcap', tshark: 'tshark-not-installed-here' }))
      .rejects.toThrow(/reading pcap files needs tshark, which was not found .*apt-get install tshark/);
  });
});
