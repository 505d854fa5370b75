import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';

/**
 * Hands on a real charger: what a person (or a relay box / EV simulator) does at the bench that
 * no protocol message can do: plug and unplug the EV, present an idTag, cause and clear an
 * EV-side fault. Separate from the control-stack trigger adapter, which makes the CSMS act.
 */
export type HandsAction = 'plug' | 'unplug' | 'authorize' | 'fault' | 'clearFault';

export const HANDS_ACTIONS: readonly HandsAction[] = ['plug', 'unplug', 'authorize', 'fault', 'clearFault'];

/** The device's answer: done, or refused with its reason (a test result, not a harness error). */
export type HandsResult = { ok: true; answer?: unknown } | { ok: false; error: string };

export interface HandsAdapter {
  readonly kind: 'http' | 'prompt' | 'none';
  plug(station: string, connector: number): Promise<HandsResult>;
  unplug(station: string, connector: number): Promise<HandsResult>;
  authorize(station: string, connector: number, idTag: string): Promise<HandsResult>;
  fault(station: string, connector: number, errorCode: string): Promise<HandsResult>;
  clearFault(station: string, connector: number): Promise<HandsResult>;
}

/** Placeholders a URL or body template may hold. */
export const HANDS_PLACEHOLDERS = ['station', 'connector', 'action', 'idTag', 'errorCode'] as const;

/** Placeholders in `template` that are not in HANDS_PLACEHOLDERS (for schema and constructor checks). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(HANDS_PLACEHOLDERS);
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string).filter((name) => !known.has(name));
}

/** The `{action}` text of each action: kebab-case, as in the URL paths of most hands servers. */
export const ACTION_PATH: Readonly<Record<HandsAction, string>> = {
  plug: 'plug', unplug: 'unplug', authorize: 'authorize', fault: 'fault', clearFault: 'clear-fault',
};

interface Values { station: string; connector: number; action: HandsAction; idTag?: string; errorCode?: string }

/** Fill a template; `escape` encodes each value for where it lands (URL component, JSON string). */
export function fillTemplate(template: string, v: Values, escape: (s: string) => string): string {
  const values: Record<string, string> = {
    station: v.station, connector: String(v.connector), action: ACTION_PATH[v.action], idTag: v.idTag ?? '', errorCode: v.errorCode ?? '',
  };
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => (name in values ? escape(values[name] as string) : whole));
}

const jsonInString = (s: string): string => JSON.stringify(s).slice(1, -1);

export interface HttpHandsRequest {
  /** URL template. */
  url?: string | undefined;
  method?: string | undefined;
  /** Body template (JSON text, values JSON-escaped); none when absent. */
  body?: string | undefined;
}

export interface HttpHandsOptions {
  /** URL template with {station} {connector} {action} {idTag} {errorCode} (values URL-encoded). */
  url: string;
  /** Default POST. */
  method?: string | undefined;
  body?: string | undefined;
  /** Per-action overrides of url, method, body. */
  actions?: Partial<Record<HandsAction, HttpHandsRequest>> | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs: number;
  clock: Clock;
  trace: Trace;
}

/** Hands behind an HTTP API (a relay box, an EV simulator, a lab robot). Every exchange goes to the trace. */
export class HttpHands implements HandsAdapter {
  readonly kind = 'http';

  constructor(private readonly o: HttpHandsOptions) {
    const templates: [string, string | undefined][] = [['url', o.url], ['body', o.body]];
    for (const [action, r] of Object.entries(o.actions ?? {})) templates.push([`actions.${action}.url`, r?.url], [`actions.${action}.body`, r?.body]);
    for (const [field, t] of templates) {
      const bad = t === undefined ? [] : unknownPlaceholders(t);
      if (bad.length > 0) {
        throw new HarnessError(ERROR_CODES.CONFIG_INVALID,
          `hands ${field}: unknown placeholder ${bad.map((b) => `{${b}}`).join(', ')} in ${JSON.stringify(t)} (known: ${HANDS_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`, { field });
      }
    }
  }

  plug(station: string, connector: number): Promise<HandsResult> {
    return this.request({ station, connector, action: 'plug' });
  }

  unplug(station: string, connector: number): Promise<HandsResult> {
    return this.request({ station, connector, action: 'unplug' });
  }

  authorize(station: string, connector: number, idTag: string): Promise<HandsResult> {
    return this.request({ station, connector, action: 'authorize', idTag });
  }

  fault(station: string, connector: number, errorCode: string): Promise<HandsResult> {
    return this.request({ station, connector, action: 'fault', errorCode });
  }

  clearFault(station: string, connector: number): Promise<HandsResult> {
    return this.request({ station, connector, action: 'clearFault' });
  }

  private async request(v: Values): Promise<HandsResult> {
    const { o } = this;
    const override = o.actions?.[v.action];
    const url = fillTemplate(override?.url ?? o.url, v, encodeURIComponent);
    const method = (override?.method ?? o.method ?? 'POST').toUpperCase();
    const bodyTemplate = override?.body ?? o.body;
    const body = bodyTemplate === undefined ? undefined : fillTemplate(bodyTemplate, v, jsonInString);
    const what = `hands ${v.action} on ${v.station} connector ${v.connector} (${method} ${url})`;
    const ac = new AbortController();
    const timer = o.clock.setTimer(o.timeoutMs, () => ac.abort(), `hands ${url}`);
    o.trace.record({ kind: 'device', device: 'hands', event: 'http-request', data: { station: v.station, action: v.action, method, url, body } });
    try {
      const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers };
      const res = await fetch(url, { method, headers, body, signal: ac.signal });
      const text = await res.text();
      o.trace.record({ kind: 'device', device: 'hands', event: 'http-response', data: { station: v.station, action: v.action, url, status: res.status, body: text.slice(0, 2000) } });
      return interpret(res.status, text);
    } catch (err) {
      const why = ac.signal.aborted ? `no answer within ${o.timeoutMs} ms` : describeFetchError(err);
      o.trace.record({ kind: 'device', device: 'hands', event: 'http-error', data: { station: v.station, action: v.action, url, error: why } });
      throw new HarnessError(ERROR_CODES.CONNECT_FAILED, `${what}: ${why}`, { station: v.station, action: v.action, url }, { cause: err });
    } finally {
      timer.cancel();
    }
  }
}

/** 2xx is done unless the JSON body says `"ok": false`; any other status is a refusal with its reason. */
function interpret(status: number, text: string): HandsResult {
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const obj = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const reason = typeof obj?.error === 'string' ? obj.error : text.trim().slice(0, 300);
  if (status >= 200 && status < 300) {
    if (obj?.ok === false) return { ok: false, error: reason || `HTTP ${status} with "ok": false` };
    return json === undefined ? { ok: true } : { ok: true, answer: json };
  }
  return { ok: false, error: `HTTP ${status}${reason ? `: ${reason}` : ''}` };
}

/** fetch wraps socket errors as "fetch failed"; name the real cause (ECONNREFUSED ...). */
function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e.cause?.message ?? e.message;
}

/** The question an operator is asked for each action. */
export function promptText(station: string, connector: number, action: HandsAction, arg?: string): string {
  switch (action) {
    case 'plug': return `${station}: plug the EV into connector ${connector}, then press Enter`;
    case 'unplug': return `${station}: unplug the EV from connector ${connector}, then press Enter`;
    case 'authorize': return `${station}: present idTag ${arg ?? ''} at connector ${connector}, then press Enter`;
    case 'fault': return `${station}: cause an EV fault (${arg ?? ''}) on connector ${connector}, then press Enter`;
    case 'clearFault': return `${station}: clear the fault on connector ${connector}, then press Enter`;
  }
}

/**
 * An operator's hands: each action is a question; Enter (an empty answer) means done, any text is
 * taken as the reason it could not be done.
 */
export class PromptHands implements HandsAdapter {
  readonly kind = 'prompt';
  constructor(private readonly ask: (question: string) => Promise<string | void>, private readonly trace?: Trace) {}

  plug(station: string, connector: number): Promise<HandsResult> {
    return this.prompt(station, connector, 'plug');
  }

  unplug(station: string, connector: number): Promise<HandsResult> {
    return this.prompt(station, connector, 'unplug');
  }

  authorize(station: string, connector: number, idTag: string): Promise<HandsResult> {
    return this.prompt(station, connector, 'authorize', idTag);
  }

  fault(station: string, connector: number, errorCode: string): Promise<HandsResult> {
    return this.prompt(station, connector, 'fault', errorCode);
  }

  clearFault(station: string, connector: number): Promise<HandsResult> {
    return this.prompt(station, connector, 'clearFault');
  }

  private async prompt(station: string, connector: number, action: HandsAction, arg?: string): Promise<HandsResult> {
    const question = promptText(station, connector, action, arg);
    this.trace?.record({ kind: 'device', device: 'hands', event: 'prompt', data: { station, action, question } });
    const answer = ((await this.ask(question)) ?? '').trim();
    this.trace?.record({ kind: 'device', device: 'hands', event: 'prompt-answer', data: { station, action, answer } });
    return answer === '' ? { ok: true } : { ok: false, error: `operator: ${answer}` };
  }
}

/** No hands at the bench: every action is refused, naming the station and what is missing. */
export class NoHands implements HandsAdapter {
  readonly kind = 'none';

  private refuse(station: string, action: HandsAction): Promise<HandsResult> {
    return Promise.resolve({ ok: false, error: `${station} has no hands adapter: ${action} needs hands on the bench (rig hands: kind http or prompt)` });
  }

  plug(station: string, _connector: number): Promise<HandsResult> { return this.refuse(station, 'plug'); }
  unplug(station: string, _connector: number): Promise<HandsResult> { return this.refuse(station, 'unplug'); }
  authorize(station: string, _connector: number, _idTag: string): Promise<HandsResult> { return this.refuse(station, 'authorize'); }
  fault(station: string, _connector: number, _errorCode: string): Promise<HandsResult> { return this.refuse(station, 'fault'); }
  clearFault(station: string, _connector: number): Promise<HandsResult> { return this.refuse(station, 'clearFault'); }
}

/** The parsed rig entry (HandsAdapterSchema's output, described structurally: adapters sit below src/plan). */
export type HandsConfig =
  | { kind: 'http'; url: string; method: string; body?: string | undefined; headers: Record<string, string>; timeoutS: number; actions: Partial<Record<HandsAction, HttpHandsRequest | undefined>> }
  | { kind: 'prompt' }
  | { kind: 'none' };

export interface HandsDeps {
  clock: Clock;
  trace: Trace;
  /** Needed for kind prompt: ask an operator, resolve with what they typed (empty = done). */
  ask?: ((question: string) => Promise<string | void>) | undefined;
}

/** Build the adapter a rig names. */
export function createHandsAdapter(config: HandsConfig, deps: HandsDeps): HandsAdapter {
  switch (config.kind) {
    case 'http':
      return new HttpHands({
        url: config.url, method: config.method, body: config.body, headers: config.headers, actions: config.actions,
        timeoutMs: config.timeoutS * 1000, clock: deps.clock, trace: deps.trace,
      });
    case 'prompt':
      if (!deps.ask) throw new HarnessError(ERROR_CODES.USAGE, 'hands kind prompt needs an interactive console (no operator to ask in this run)');
      return new PromptHands(deps.ask, deps.trace);
    case 'none':
      return new NoHands();
  }
}
