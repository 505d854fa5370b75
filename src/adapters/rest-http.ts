/**
 * One HTTP request of a REST adapter or an `http` plan step: JSON in and out, aborted on the
 * harness clock, recorded in the trace (header values left out: they carry secrets), with errors
 * that name the method and URL. A status the caller does not accept is the caller's verdict.
 */
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** JSON body (undefined: none). */
  body?: unknown;
}

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or the text when it is not JSON (undefined when empty). */
  body: unknown;
  text: string;
}

export interface HttpEnv {
  clock: Clock;
  trace: Trace;
  timeoutMs: number;
  /** Who asks, in the trace (`control-stack`, `http-step`). */
  device: string;
}

/** Send one request; throws a HarnessError (E_CONNECT_FAILED) only when no HTTP answer came. */
export async function httpRequest(env: HttpEnv, req: HttpRequest): Promise<HttpAnswer> {
  const ac = new AbortController();
  const timer = env.clock.setTimer(env.timeoutMs, () => ac.abort(), `http ${req.method} ${req.url}`);
  const hasBody = req.body !== undefined && req.method !== 'GET';
  env.trace.record({ kind: 'device', device: env.device, event: 'http-request', data: { method: req.method, url: req.url, headers: Object.keys(req.headers), body: hasBody ? req.body : undefined } });
  try {
    const headers = { ...(hasBody ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...req.headers };
    const res = await fetch(req.url, { method: req.method, headers, body: hasBody ? JSON.stringify(req.body) : undefined, signal: ac.signal });
    const text = await res.text();
    env.trace.record({ kind: 'device', device: env.device, event: 'http-response', data: { method: req.method, url: req.url, status: res.status, body: text.slice(0, 2000) } });
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    return { status: res.status, body, text };
  } catch (err) {
    const why = ac.signal.aborted ? `no answer within ${env.timeoutMs} ms` : (err as Error).message;
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${req.method} ${req.url}: ${why}`, { url: req.url }, { cause: err });
  } finally {
    timer.cancel();
  }
}

/** Where a body says the API did not do it: `success: false` at the top or in an element of a top-level array. */
export function unsuccessful(body: unknown): unknown | undefined {
  const items = Array.isArray(body) ? body : [body];
  return items.find((x) => x !== null && typeof x === 'object' && (x as { success?: unknown }).success === false);
}
