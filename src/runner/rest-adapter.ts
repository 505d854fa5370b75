import { loadRestPreset } from '../adapters/rest-preset.js';
import { RestTrigger } from '../adapters/rest-trigger.js';
import type { Rig } from '../plan/rig-schema.js';
import type { RigRuntime } from './rig-runtime.js';

type RestConfig = Extract<NonNullable<Rig['controlStack']['trigger']>, { kind: 'rest' }>;

/** The rig's `rest` trigger: its preset loaded (relative to the rig), async answers read from the rig's own trace. */
export function restTrigger(t: RestConfig, rt: RigRuntime, rigDir: string | undefined): RestTrigger {
  const endpoints = new Map(rt.evses.map((d) => [d.evse.identity, d.evse.frameEndpoint]));
  return new RestTrigger({
    url: t.url, preset: loadRestPreset(t.preset, rigDir), routes: t.routes, headers: t.headers, tenant: t.tenant, answer: t.answer,
    timeoutMs: t.timeoutS * 1000, clock: rt.clock, trace: rt.trace, endpointOf: (s) => endpoints.get(s) ?? 'evse',
  });
}
