/**
 * The REST trigger adapter: a control stack's own API makes it send an operation. Each OCPP action
 * maps to one HTTP request through a route map (a preset plus the rig's overrides). A synchronous
 * API (`answer: body`) answers with the station's response; an asynchronous one (`answer: wire`)
 * only queues the call, and the station's CALLRESULT/CALLERROR on the OCPP link is the answer.
 * An HTTP error status or a `success: false` body is an adapter error (E_ADAPTER_FAILED), never an
 * answer.
 */
import type { Clock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Trace } from '../core/trace.js';
import type { Payload } from '../transport/ocpp-types.js';
import type { SendOptions, TriggerAdapter } from './control-stack.js';
import { httpRequest, unsuccessful } from './rest-http.js';
import { type RestPreset, type RestRoute, routeFor } from './rest-preset.js';
import { lowerCamel, renderText, renderValue, type TemplateVars } from './rest-template.js';
import { watchWire } from './rest-wire.js';

/** How long an async answer is awaited when the step gives no budget. */
const DEFAULT_WIRE_WAIT_MS = 30_000;

export interface RestTriggerOptions {
  /** Base URL of the API; route paths are appended. */
  url: string;
  preset: RestPreset;
  /** Routes of the rig, overriding the preset's per action. */
  routes?: Record<string, RestRoute> | undefined;
  /** Headers of the rig (templates), over the preset's. */
  headers?: Record<string, string> | undefined;
  tenant?: string | undefined;
  /** Override the preset's answer mode. */
  answer?: 'body' | 'wire' | undefined;
  /** Time the API has to answer the HTTP request. */
  timeoutMs: number;
  clock: Clock;
  trace: Trace;
  /** Whose trace frames show a station's traffic (see Evse.frameEndpoint); default `evse`. */
  endpointOf?: ((station: string) => 'evse' | 'csms') | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** The request an action becomes (exported for tests and the docs). */
export function buildRequest(o: RestTriggerOptions, route: RestRoute, vars: TemplateVars): { method: string; url: string; headers: Record<string, string>; body: unknown } {
  const where = `REST preset ${o.preset.name}, route of ${String(vars.action)}`;
  const env = o.env ?? process.env;
  if (/\{module\}/.test(route.path) && vars.module === undefined) {
    throw new HarnessError(ERROR_CODES.RIG_INVALID, `${where}: the preset names no module for ${String(vars.action)} (add it under modules, or a route controlStack.trigger.routes.${String(vars.action)} in the rig)`);
  }
  const path = renderText(route.path, vars, `${where}.path`, env, encodeURIComponent);
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(route.query)) {
    const value = renderText(v, vars, `${where}.query.${k}`, env);
    if (value !== '') query.set(k, value);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...o.preset.headers, ...o.headers, ...route.headers })) headers[k] = renderText(v, vars, `${where}.headers.${k}`, env);
  const body = route.body !== undefined ? renderValue(route.body, vars, `${where}.body`, env) : route.method === 'GET' ? undefined : vars.payload;
  const qs = query.toString();
  return { method: route.method, url: `${o.url.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}${qs ? `?${qs}` : ''}`, headers, body };
}

export class RestTrigger implements TriggerAdapter {
  readonly kind = 'rest';
  constructor(private readonly o: RestTriggerOptions) {}

  get answerMode(): 'body' | 'wire' {
    return this.o.answer ?? this.o.preset.answer;
  }

  async send(station: string, version: '1.6' | '2.0.1', action: string, payload: Payload, opts: SendOptions = {}): Promise<Payload> {
    const route = routeFor(this.o.preset, this.o.routes ?? {}, action);
    if (!route) throw new HarnessError(ERROR_CODES.RIG_INVALID, `REST preset ${this.o.preset.name} has no route for ${action} and no default route: add controlStack.trigger.routes.${action} to the rig`, { action });
    const vars: TemplateVars = { station, version, action, actionCamel: lowerCamel(action), module: this.o.preset.modules[action], tenant: this.o.tenant ?? '', payload };
    const req = buildRequest(this.o, route, vars);
    const endpoint = this.o.endpointOf?.(station) ?? 'evse';
    const wire = this.answerMode === 'wire' ? watchWire(this.o.trace, this.o.clock, station, endpoint, action) : undefined;
    try {
      const res = await httpRequest({ clock: this.o.clock, trace: this.o.trace, timeoutMs: this.o.timeoutMs, device: 'control-stack' }, req);
      const who = `control stack API (${this.o.preset.name}) ${req.method} ${req.url}`;
      if (res.status < 200 || res.status > 299) {
        throw new HarnessError(ERROR_CODES.ADAPTER_FAILED, `${who} answered HTTP ${res.status}: ${res.text.slice(0, 300)}`, { url: req.url, status: res.status });
      }
      const refused = unsuccessful(res.body);
      if (refused !== undefined) {
        throw new HarnessError(ERROR_CODES.ADAPTER_FAILED, `${who} did not send ${action} to ${station}: the API answered success:false: ${JSON.stringify(refused).slice(0, 300)}`, { url: req.url, answer: refused });
      }
      if (!wire) return (res.body !== null && typeof res.body === 'object' && !Array.isArray(res.body) ? res.body : {}) as Payload;
      return await wire.answer(opts.waitMs ?? DEFAULT_WIRE_WAIT_MS);
    } finally {
      wire?.cancel();
    }
  }
}
