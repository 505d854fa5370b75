/**
 * What a feature probe found: per operation, the charger's answer class (supported, refused,
 * timeout) and how fast; per feature profile (1.6) or functional block (2.0.1), supported or not.
 * Pure over a PlanResult, so the matrix and `draft-profile` read a probe's report the same way.
 */
import { FUNCTIONAL_BLOCK_OF } from '../../emulators/evse/v201/functional-blocks.js';
import { isCallRefusal } from './call-refusal.js';
import { flattenSteps, type PlanResult } from './results.js';

/** Feature profile of each CSMS-initiated 1.6 operation. */
export const FEATURE_OF_16: Readonly<Record<string, string>> = {
  ChangeAvailability: 'Core', ChangeConfiguration: 'Core', ClearCache: 'Core', DataTransfer: 'Core', GetConfiguration: 'Core',
  RemoteStartTransaction: 'Core', RemoteStopTransaction: 'Core', Reset: 'Core', UnlockConnector: 'Core',
  GetDiagnostics: 'FirmwareManagement', UpdateFirmware: 'FirmwareManagement',
  GetLocalListVersion: 'LocalAuthListManagement', SendLocalList: 'LocalAuthListManagement',
  CancelReservation: 'Reservation', ReserveNow: 'Reservation',
  ClearChargingProfile: 'SmartCharging', GetCompositeSchedule: 'SmartCharging', SetChargingProfile: 'SmartCharging',
  TriggerMessage: 'RemoteTrigger',
};

/** Functional block of each CSMS-initiated 2.0.1 operation (Provisioning and Security ones included). */
export const BLOCK_OF_201: Readonly<Record<string, string>> = {
  GetVariables: 'Provisioning', SetVariables: 'Provisioning', GetBaseReport: 'Provisioning', GetReport: 'Provisioning',
  SetNetworkProfile: 'Provisioning', Reset: 'Provisioning', CertificateSigned: 'Security',
  ...FUNCTIONAL_BLOCK_OF,
};

/** disconnected: the link went away before the answer (a charger that exits on Reset). */
export type ProbeVerdict = 'supported' | 'refused' | 'timeout' | 'disconnected';

export interface ProbedOperation {
  action: string;
  feature: string;
  verdict: ProbeVerdict;
  /** The status of the answer, the CALLERROR code, "timeout" or "disconnected". */
  answer: string;
  /** Time from the call to the answer on the run's clock (ms). */
  ms: number;
}

export interface ProbeCoverage {
  version: '1.6' | '2.0.1';
  operations: ProbedOperation[];
  /** Features / blocks with at least one supported operation, sorted. */
  supported: string[];
  /** Probed features / blocks none of whose operations is supported, sorted. */
  missing: string[];
}

/** The action of a trigger step named "<Action> -> <station>" (the default name), or undefined. */
function actionOf(name: string): string | undefined {
  const m = /^([A-Za-z0-9]+) -> /.exec(name);
  return m?.[1];
}

/** Read a probe's plan result; the version is told by the operations it tried. */
export function probeCoverage(plan: PlanResult): ProbeCoverage {
  const triggers = flattenSteps(plan.steps).filter((s) => s.kind === 'trigger');
  const actions = triggers.map((s) => actionOf(s.name));
  const version = actions.some((a) => a !== undefined && a in FEATURE_OF_16 && !(a in BLOCK_OF_201)) ? '1.6' : '2.0.1';
  const featureOf = version === '1.6' ? FEATURE_OF_16 : BLOCK_OF_201;
  const operations: ProbedOperation[] = [];
  const seen = new Set<string>();
  triggers.forEach((s, i) => {
    const action = actions[i];
    if (action === undefined || seen.has(action) || featureOf[action] === undefined) return;
    seen.add(action);
    const a = s.answer;
    const refusal = isCallRefusal(a) ? a : undefined;
    const verdict: ProbeVerdict = refusal ? (refusal.callError === 'timeout' || refusal.callError === 'disconnected' ? refusal.callError : 'refused')
      : s.status === 'skipped' || s.status === 'interrupted' ? 'timeout' : 'supported';
    const status = refusal?.callError ?? (typeof (a as { status?: unknown })?.status === 'string' ? String((a as { status: string }).status) : 'answered');
    operations.push({ action, feature: featureOf[action]!, verdict, answer: status, ms: Math.max(0, s.endedT - s.startedT) });
  });
  const all = [...new Set(operations.map((o) => o.feature))];
  const supported = all.filter((f) => operations.some((o) => o.feature === f && o.verdict === 'supported')).sort();
  return { version, operations, supported, missing: all.filter((f) => !supported.includes(f)).sort() };
}

/** What a profile declares, restricted to what a probe can see (features with a probed operation). */
export function declaredCoverage(features: readonly string[], version: '1.6' | '2.0.1'): string[] {
  const probed = new Set(Object.values(version === '1.6' ? FEATURE_OF_16 : BLOCK_OF_201));
  return [...new Set(features)].filter((f) => probed.has(f)).sort();
}
