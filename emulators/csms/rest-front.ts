/**
 * An asynchronous REST front for the built-in CSMS, shaped like CitrineOS's message API, so the
 * built-in CSMS can stand in for an external back-end reached only by URL:
 *   POST /ocpp/<version>/<module>/<actionCamel>?identifier=<station>[&identifier=..]&tenantId=<t>
 *     body: the OCPP payload; answers HTTP 200 at once with [{"success": true, "payload": "<request id>"}]
 *     per station and sends the call in the background (the station's answer is on the OCPP link);
 *     [{"success": false, "payload": "<why>"}] for a station that is unknown or not connected.
 * Set-up routes for `http` plan steps:
 *   PUT /data/authorization?idToken=<token>   body {"status": "Accepted"}   (one token's status)
 *   PUT /data/boot?identifier=<station>         body a boot policy ({"status": ..} or {"sequence": [..]})
 *   GET /data/transactions?identifier=<station>&active=true   the CSMS's transactions
 *   GET /health
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Trace } from '../../src/core/trace.js';
import { AuthorizationStatusSchema } from './config.js';
import type { EmulatedCsms } from './csms.js';

export interface RestFront {
  readonly url: string;
  close(): Promise<void>;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(list);
  return typeof v === 'string' && v !== '' ? v.split(',') : [];
}

/** "requestStartTransaction" -> "RequestStartTransaction". */
function pascal(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

export async function startRestFront(csms: EmulatedCsms, trace: Trace, opts: { host: string; port: number }): Promise<RestFront> {
  const app = express();
  let nextId = 1;
  app.use(express.json({ limit: '1mb', type: () => true }));
  app.get('/health', (_req, res) => { res.json({ ok: true }); });

  app.post('/ocpp/:version/:module/:action', (req: Request, res: Response) => {
    const stations = list(req.query.identifier);
    const action = pascal(String(req.params.action));
    if (stations.length === 0) {
      res.status(400).json({ error: 'query parameter identifier is missing (the station identity)' });
      return;
    }
    const payload = (req.body ?? {}) as Record<string, unknown>;
    const answers = stations.map((identity) => {
      const st = csms.station(identity);
      if (!st?.connected) return { success: false, payload: `station ${identity} is ${st ? 'not connected' : 'unknown'}` };
      const requestId = `req-${nextId++}`;
      trace.record({ kind: 'device', device: 'rest-front', event: 'queued', data: { requestId, station: identity, action } });
      // the answer (or CALLERROR) is on the wire; the API only says the call was queued
      csms.send(identity, action, payload).then(
        () => trace.record({ kind: 'device', device: 'rest-front', event: 'answered', data: { requestId } }),
        (err: unknown) => trace.record({ kind: 'device', device: 'rest-front', event: 'failed', data: { requestId, error: (err as Error).message } }),
      );
      return { success: true, payload: requestId };
    });
    res.json(answers);
  });

  app.put('/data/authorization', (req: Request, res: Response) => {
    const token = typeof req.query.idToken === 'string' ? req.query.idToken : '';
    const status = AuthorizationStatusSchema.safeParse((req.body as { status?: unknown } | undefined)?.status);
    if (!token) { res.status(400).json({ error: 'query parameter idToken is missing' }); return; }
    if (!status.success) { res.status(400).json({ error: `body.status: expected one of ${AuthorizationStatusSchema.options.join(', ')}` }); return; }
    csms.setAuthorization(token, status.data);
    res.json({ idToken: token, status: status.data });
  });

  app.put('/data/boot', (req: Request, res: Response) => {
    const identity = typeof req.query.identifier === 'string' ? req.query.identifier : '';
    if (!identity) { res.status(400).json({ error: 'query parameter identifier is missing' }); return; }
    csms.setBootPolicy(identity, req.body); // throws a HarnessError naming the field on a bad policy
    res.json({ identifier: identity, policy: req.body as unknown });
  });

  app.get('/data/transactions', (req: Request, res: Response) => {
    const identity = typeof req.query.identifier === 'string' ? req.query.identifier : undefined;
    res.json(req.query.active === 'true' ? csms.activeTransactions(identity) : csms.transactions(identity));
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).json({ error: err.message });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
