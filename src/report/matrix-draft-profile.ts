/**
 * A draft firmware profile from a feature probe's report: identity from the charger's
 * BootNotification in the trace, OCPP version and supported features / functional blocks from the
 * operations it accepted, configuration defaults from what it answered to GetConfiguration /
 * GetVariables, and its response latency from the step times. A header comment lists every probed
 * operation with its answer, so a reviewer sees what the draft rests on.
 */
import { stringify } from 'yaml';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { readTraceTextSync } from '../core/trace-read.js';
import { FirmwareProfileSchema } from '../plan/firmware-profile.js';
import { type ProbeCoverage, probeCoverage } from '../runner/matrix-coverage.js';
import { flattenSteps, type PlanResult, type RunResult } from '../runner/results.js';

/** 2.0.1 variables behind the station settings a profile sets (component.variable[instance] -> setting). */
const SETTING_OF_VARIABLE: Record<string, string> = {
  'OCPPCommCtrlr.HeartbeatInterval': 'HeartbeatInterval',
  'OCPPCommCtrlr.MessageAttempts[TransactionEvent]': 'TransactionMessageAttempts',
  'OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]': 'TransactionMessageRetryInterval',
  'SampledDataCtrlr.TxUpdatedInterval': 'MeterValueSampleInterval',
  'TxCtrlr.EVConnectionTimeOut': 'ConnectionTimeOut',
  'TxCtrlr.StopTxOnEVSideDisconnect': 'StopTransactionOnEVSideDisconnect',
  'AuthCtrlr.AuthorizeRemoteStart': 'AuthorizeRemoteTxRequests',
  'AuthCtrlr.LocalAuthorizeOffline': 'LocalAuthorizeOffline',
  'AuthCtrlr.LocalPreAuthorize': 'LocalPreAuthorize',
  'AuthCacheCtrlr.Enabled': 'AuthorizationCacheEnabled',
  'LocalAuthListCtrlr.Enabled': 'LocalAuthListEnabled',
};

/** Most of a trace read when looking for the BootNotification (it comes first). */
const TRACE_HEAD_BYTES = 8 * 1024 * 1024;

interface BootIdentity { vendor?: string; model?: string; firmwareVersion?: string }

/** The first BootNotification the station sent, from the head of the trace. */
export function bootIdentity(traceFile: string | undefined): BootIdentity {
  if (!traceFile) return {};
  let text: string;
  try {
    // either trace form (full or compact, plain or gzip)
    text = readTraceTextSync(traceFile, TRACE_HEAD_BYTES);
  } catch {
    return {};
  }
  for (const line of text.split('\n')) {
    if (!line.includes('BootNotification')) continue;
    try {
      const rec = JSON.parse(line) as { kind?: string; dir?: string; endpoint?: string; raw?: string };
      if (rec.kind !== 'ocpp' || typeof rec.raw !== 'string') continue;
      const frame = JSON.parse(rec.raw) as unknown[];
      if (frame[0] !== 2 || frame[2] !== 'BootNotification') continue;
      const p = frame[3] as Record<string, unknown>;
      const cs = (p.chargingStation ?? {}) as Record<string, unknown>;
      const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      return {
        vendor: str(p.chargePointVendor) ?? str(cs.vendorName),
        model: str(p.chargePointModel) ?? str(cs.model),
        firmwareVersion: str(p.firmwareVersion) ?? str(cs.firmwareVersion),
      };
    } catch {
      // a line cut at the end of the head, or not a frame: go on
    }
  }
  return {};
}

function settingsFrom(plan: PlanResult, version: '1.6' | '2.0.1'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of flattenSteps(plan.steps)) {
    const a = s.answer as Record<string, unknown> | undefined;
    if (!a || typeof a !== 'object') continue;
    if (version === '1.6' && Array.isArray(a.configurationKey)) {
      for (const k of a.configurationKey as { key?: unknown; readonly?: unknown; value?: unknown }[]) {
        if (typeof k.key === 'string' && typeof k.value === 'string' && k.readonly !== true) out[k.key] = k.value;
      }
    }
    if (version === '2.0.1' && Array.isArray(a.getVariableResult)) {
      for (const r of a.getVariableResult as { attributeStatus?: unknown; attributeValue?: unknown; component?: { name?: string }; variable?: { name?: string; instance?: string } }[]) {
        if (r.attributeStatus !== 'Accepted' || typeof r.attributeValue !== 'string') continue;
        const name = `${r.component?.name}.${r.variable?.name}${r.variable?.instance ? `[${r.variable.instance}]` : ''}`;
        const setting = SETTING_OF_VARIABLE[name];
        if (setting) out[setting] = r.attributeValue;
      }
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function latency(c: ProbeCoverage): { fixed: number } | { uniform: [number, number] } | undefined {
  const times = c.operations.filter((o) => o.verdict === 'supported' || o.verdict === 'refused').map((o) => o.ms);
  if (!times.length) return undefined;
  const min = Math.min(...times);
  const max = Math.max(...times);
  return min === max ? { fixed: min } : { uniform: [min, max] };
}

/** The probe plan of a report: the first plan whose triggers cover at least three known operations. */
export function probePlanOf(run: RunResult, file: string): PlanResult {
  const plan = run.plans.find((p) => probeCoverage(p).operations.length >= 3);
  if (!plan) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${file}: no feature probe in this report (no plan tried three or more CSMS-initiated operations)`, { file });
  return plan;
}

/** The draft profile as YAML text (checked against the profile schema before it is returned). */
export function draftProfileYaml(run: RunResult, file: string, id: string): string {
  const plan = probePlanOf(run, file);
  const c = probeCoverage(plan);
  const who = bootIdentity(plan.trace);
  const features = c.version === '1.6' && !c.supported.includes('Core') ? ['Core', ...c.supported] : c.supported;
  const timing = latency(c);
  const profile = {
    $schema: '../../schemas/firmware-profile.schema.json',
    id,
    description: `Draft from the feature probe ${plan.name} (${file}); review before use`,
    vendor: (who.vendor ?? 'unknown').slice(0, 20),
    model: (who.model ?? 'unknown').slice(0, 20),
    firmware: { version: who.firmwareVersion ?? 'unknown' },
    ocppVersion: c.version,
    features: features.length ? features : (c.version === '1.6' ? ['Core'] : ['Provisioning']),
    settings: settingsFrom(plan, c.version),
    ...(timing ? { timing: { responseLatencyMs: timing } } : {}),
  };
  const checked = FirmwareProfileSchema.safeParse(profile);
  if (!checked.success) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${file}: the draft is not a valid profile: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { file });
  }
  const header = [
    `# Draft firmware profile from ${file} (plan ${plan.name}).`,
    '# Probed operations (answer, time on the run clock):',
    ...c.operations.map((o) => `#   ${o.verdict === 'supported' ? '+' : '-'} ${o.action} [${o.feature}]: ${o.answer}, ${o.ms} ms`),
    `# Not found: ${c.missing.length ? c.missing.join(', ') : 'none'}. Quirks are not probed: add them by hand.`,
  ];
  return `${header.join('\n')}\n${stringify(profile, { lineWidth: 120 })}`;
}
