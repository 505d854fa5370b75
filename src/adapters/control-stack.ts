import type { Clock } from '../core/clock.js';
import { isoTime } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import type { Payload } from '../transport/ocpp-types.js';
import { unsuccessful } from './rest-http.js';

/** What a step tells the adapter about its wait. */
export interface SendOptions {
  /** How long the step waits for the station's answer (its budget, or the default wait). */
  waitMs?: number | undefined;
}

/** How a plan makes the control stack (the CSMS under test, or the built-in one) act. */
export interface TriggerAdapter {
  readonly kind: string;
  /**
   * Make the control stack send `action` to `station` and return the station's answer (or {} when
   * unknown). A CALLERROR rejects with an error carrying `rpcErrorCode`; a control stack that
   * refused the request rejects with E_ADAPTER_FAILED.
   */
  send(station: string, version: '1.6' | '2.0.1', action: string, payload: Payload, opts?: SendOptions): Promise<Payload>;
}

/** How a demand-response event reaches the control stack. */
export interface DrAdapter {
  readonly kind: string;
  setSiteLimitW(watts: number): Promise<void>;
}

/** The built-in emulated CSMS, driven directly. */
export interface BuiltinCsms {
  send(identity: string, action: string, payload: Payload, timeoutMs?: number): Promise<unknown>;
  setSiteLimit(w: number | undefined): unknown;
}

export class BuiltinTrigger implements TriggerAdapter {
  readonly kind = 'builtin';
  constructor(private readonly csms: BuiltinCsms) {}
  async send(station: string, _version: '1.6' | '2.0.1', action: string, payload: Payload): Promise<Payload> {
    return (await this.csms.send(station, action, payload)) as Payload;
  }
}

export class BuiltinDr implements DrAdapter {
  readonly kind = 'builtin';
  constructor(private readonly csms: BuiltinCsms) {}
  async setSiteLimitW(watts: number): Promise<void> {
    this.csms.setSiteLimit(watts);
  }
}

export interface HttpOptions {
  /** Base URL; with the `octt` preset the path /api/octt/{version}/{station}/{action} is appended. */
  url: string;
  preset?: 'octt' | 'template' | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs: number;
  clock: Clock;
  trace: Trace;
}

/** POST JSON, abort on the harness clock, clear errors naming the URL. */
export async function postJson(o: HttpOptions, url: string, body: unknown): Promise<unknown> {
  const ac = new AbortController();
  const timer = o.clock.setTimer(o.timeoutMs, () => ac.abort(), `http ${url}`);
  o.trace.record({ kind: 'device', device: 'control-stack', event: 'http-request', data: { url, body } });
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...o.headers }, body: JSON.stringify(body), signal: ac.signal });
    const text = await res.text();
    o.trace.record({ kind: 'device', device: 'control-stack', event: 'http-response', data: { url, status: res.status, body: text.slice(0, 2000) } });
    if (!res.ok) throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `control stack hook ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { url });
    return text ? (JSON.parse(text) as unknown) : {};
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    const why = ac.signal.aborted ? `no answer within ${o.timeoutMs} ms` : (err as Error).message;
    throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `control stack hook ${url}: ${why}`, { url }, { cause: err });
  } finally {
    timer.cancel();
  }
}

/** An external CSMS driven through an HTTP hook (the public OCTT-style convention as a preset). */
export class HttpTrigger implements TriggerAdapter {
  readonly kind = 'http';
  constructor(private readonly o: HttpOptions) {}
  async send(station: string, version: '1.6' | '2.0.1', action: string, payload: Payload): Promise<Payload> {
    const enc = encodeURIComponent;
    const url = this.o.preset === 'template'
      ? this.o.url.replace('{version}', enc(version)).replace('{station}', enc(station)).replace('{action}', enc(action))
      : `${this.o.url.replace(/\/+$/, '')}/api/octt/${enc(version)}/${enc(station)}/${enc(action)}`;
    const answer = await postJson(this.o, url, payload);
    // an API that did not do it (e.g. [{"success": false}] for an offline station) is an adapter error, never an answer
    const refused = unsuccessful(answer);
    if (refused !== undefined) {
      throw new HarnessError(ERROR_CODES.ADAPTER_FAILED, `control stack hook ${url} did not send ${action} to ${station}: it answered success:false: ${JSON.stringify(refused).slice(0, 300)}`, { url, answer: refused });
    }
    return (answer && typeof answer === 'object' && !Array.isArray(answer) ? answer : {}) as Payload;
  }
}

/** A DR event as a JSON webhook: `{ "event": "site-limit", "limitKw": 40, "at": "<ISO time>" }`. */
export class HttpDr implements DrAdapter {
  readonly kind = 'http';
  constructor(private readonly o: HttpOptions) {}
  async setSiteLimitW(watts: number): Promise<void> {
    await postJson(this.o, this.o.url, { event: 'site-limit', limitKw: watts / 1000, limitW: watts, at: isoTime(this.o.clock.wallTime()) });
  }
}

/** An operator at the console makes the control stack act, then presses Enter. */
export class PromptTrigger implements TriggerAdapter {
  readonly kind = 'prompt';
  constructor(private readonly ask: (question: string) => Promise<void>) {}
  async send(station: string, version: '1.6' | '2.0.1', action: string, payload: Payload): Promise<Payload> {
    await this.ask(`Make the control stack send ${action} (OCPP ${version}) to ${station} with ${JSON.stringify(payload)}, then press Enter`);
    return {};
  }
}
