/**
 * The control API server: express for REST, the dashboard's files and /openapi.json, and a ws
 * server for /api/events, on one HTTP port. Every request passes the token and origin checks.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer } from 'ws';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { RigRuntime } from '../runner/rig-runtime.js';
import { TOKEN_COOKIE, authProblem, hostProblem, isLoopback, originProblem, tokenOf } from './auth.js';
import { EventStream } from './event-stream.js';
import { LiveControl } from './live-control.js';
import { openApiDocument } from './openapi.js';
import { jsonErrors, mountRoutes, type RouteDef } from './route-table.js';
import { apiRoutes } from './routes.js';
import { RunManager } from './runs.js';
import { dashboardDir, uplotFiles } from './static-assets.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  /** Required when `host` is not loopback. */
  token?: string | undefined;
  /** The rig file the runtime came from (plan runs start fresh instances of it). */
  rigFile: string;
  /** Where plan runs write their reports and traces (`<dir>/run-N/`). */
  outputDir: string;
  version: string;
  sampleMs?: number | undefined;
  flushMs?: number | undefined;
}

export interface ApiServer {
  url: string;
  port: number;
  routes: RouteDef[];
  stream: EventStream;
  runs: RunManager;
  app: express.Express;
  close(): Promise<void>;
}

const EVENTS_PATH = '/api/events';

export async function startApiServer(rt: RigRuntime, o: ApiServerOptions): Promise<ApiServer> {
  if (!isLoopback(o.host) && !o.token) {
    throw new HarnessError(ERROR_CODES.USAGE, `--host ${o.host}: binding beyond loopback needs a token (--token-env NAME, with the token in that environment variable)`);
  }
  const live = new LiveControl(rt);
  const ids = new Set(rt.evses.map((d) => d.evse.identity));
  const stream = new EventStream({
    clock: rt.clock, trace: rt.trace, isStation: (id) => ids.has(id), snapshot: (id) => live.device(id),
    sample: () => {
      const s = live.site();
      const stations: [string, number][] = [];
      for (const d of rt.evses) {
        const p = d.evse.power();
        if (p.w > 0) stations.push([d.evse.identity, p.w]);
      }
      return { kind: 'meter', t: rt.clock.now(), importW: s.importW, baseLoadW: s.baseLoadW, limitW: s.limitW, meters: s.meters, stations };
    },
    sampleMs: o.sampleMs ?? 1000, flushMs: o.flushMs,
  });
  const runs = new RunManager({ rigFile: o.rigFile, outputDir: o.outputDir, clock: rt.clock, publish: (e) => stream.publish(e) });
  const routes = apiRoutes(live, runs, () => stream.stats());

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const denied = hostProblem(req, o.token) ?? originProblem(req);
    if (denied) {
      res.status(403).json({ error: denied, code: 'E_FORBIDDEN' });
      return;
    }
    const problem = authProblem(req, o.token);
    if (problem) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: problem, code: 'E_UNAUTHORIZED' });
      return;
    }
    // the dashboard opened with ?token=: later requests of the page (assets, WebSocket) carry it as a cookie
    if (o.token && tokenOf(req).via === 'query') {
      res.cookie(TOKEN_COOKIE, o.token, { httpOnly: true, sameSite: 'strict', path: '/' });
    }
    next();
  });
  app.use(express.json({ limit: '2mb', type: () => true }));
  mountRoutes(app, routes);
  const openapi = openApiDocument(routes, o.version);
  app.get('/openapi.json', (_req, res) => { res.json(openapi); });
  const uplot = uplotFiles();
  app.get('/vendor/uPlot.iife.min.js', (_req, res) => { res.sendFile(uplot.js); });
  app.get('/vendor/uPlot.min.css', (_req, res) => { res.sendFile(uplot.css); });
  app.use(express.static(dashboardDir(), { index: 'index.html', dotfiles: 'ignore', etag: false }));
  app.use('/api', (req, res) => { res.status(404).json({ error: `no route ${req.method} ${req.originalUrl}`, code: 'E_NOT_FOUND' }); });
  app.use(jsonErrors);

  const server: Server = createServer(app);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const refuse = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: why })}`);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== EVENTS_PATH) return refuse(404, `no WebSocket at ${url.pathname} (the event stream is ${EVENTS_PATH})`);
    const denied = hostProblem(req, o.token) ?? originProblem(req);
    if (denied) return refuse(403, denied);
    const problem = authProblem(req, o.token);
    if (problem) return refuse(401, problem);
    let filter;
    try {
      const q = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'token'));
      filter = EventStream.parseFilter(q);
    } catch (err) {
      return refuse(400, (err as Error).message.replace(/^filter\./, 'query.'));
    }
    wss.handleUpgrade(req, socket, head, (ws) => stream.attach(ws, filter));
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new HarnessError(ERROR_CODES.PORT_IN_USE, `--port ${o.port}: ${o.host}:${o.port} is in use`)
      : new HarnessError(ERROR_CODES.CONNECT_FAILED, `cannot listen on ${o.host}:${o.port}: ${err.message}`)));
    server.listen(o.port, o.host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${hostInUrl}:${port}`, port, routes, stream, runs, app,
    close: async () => {
      stream.close();
      await runs.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
