/**
 * The `http` step: call any HTTP API (configure the external CSMS under test: its boot answers, its
 * idTokens) and judge the answer: the status (default any 2xx) and a JSON subset of the body. A path
 * is resolved against the rig's controlStack.api (or the rest/http trigger's url), whose headers
 * carry the secrets. No answer at all is a harness error naming the URL.
 */
import { httpRequest } from '../adapters/rest-http.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Step } from '../plan/plan-schema.js';
import type { Rig } from '../plan/rig-schema.js';
import { budgetFor } from './budget.js';
import type { RunContext } from './context.js';
import { containsSubset } from './json-subset.js';
import { failed, judge, type Outcome } from './outcome.js';

type HttpStepOf = Extract<Step, { kind: 'http' }>;

/** Base URL and headers of the control stack's API: controlStack.api, else the rest/http trigger's. */
export function apiBase(rig: Rig): { url: string; headers: Record<string, string> } | undefined {
  const cs = rig.controlStack;
  if (cs.api) return cs.api;
  const t = cs.trigger;
  if (t && (t.kind === 'rest' || t.kind === 'http')) return { url: t.url, headers: t.headers };
  return undefined;
}

export async function httpStep(ctx: RunContext, step: HttpStepOf, where: string): Promise<Outcome> {
  let url = step.url;
  let headers = step.headers;
  if (url.startsWith('/')) {
    const base = apiBase(ctx.rt.rig);
    if (!base) throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.url: ${url} is a path, but the rig names no API to resolve it against (controlStack.api, or a rest/http trigger)`);
    url = `${base.url.replace(/\/+$/, '')}${url}`;
    headers = { ...base.headers, ...step.headers };
  }
  const qs = new URLSearchParams(step.query).toString();
  if (qs) url += `${url.includes('?') ? '&' : '?'}${qs}`;
  const b = budgetFor(ctx, step, where, ctx.driver.now());
  const triggerT = ctx.driver.now();
  const timeoutMs = b.budgetMs !== undefined ? Math.max(b.lateMs, 1) : ctx.scaled(step.timeout, `${where}.timeout`);
  const req = { method: step.method, url, headers, body: step.body };
  const res = await ctx.driver.settle(httpRequest({ clock: ctx.rt.clock, trace: ctx.rt.trace, timeoutMs, device: 'http-step' }, req), timeoutMs + 1000);
  const answer = { status: res.status, body: res.body };
  const what = `${step.method} ${url}`;
  const statuses = step.expectStatus === undefined ? undefined : Array.isArray(step.expectStatus) ? step.expectStatus : [step.expectStatus];
  const statusOk = statuses ? statuses.includes(res.status) : res.status >= 200 && res.status <= 299;
  if (!statusOk) {
    return failed(`${what}: expected HTTP ${statuses ? statuses.join(' or ') : '2xx'}, got ${res.status}: ${res.text.slice(0, 300)}`, { answer, triggerT });
  }
  if (step.expectBody !== undefined && !containsSubset(res.body, step.expectBody)) {
    return failed(`${what}: the answer does not contain ${JSON.stringify(step.expectBody)}: got ${res.text.slice(0, 300)}`, { answer, triggerT });
  }
  return { ...judge(`${what} answered ${res.status}`, b.anchor, ctx.driver.now(), b.budgetMs, timeoutMs), answer, triggerT };
}
