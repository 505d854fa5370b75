/**
 * Normalized charging-profile model shared by the OCPP 1.6 and 2.0.1 stations, plus converters
 * from the raw JSON received in SetChargingProfile (1.6 `csChargingProfiles`, 2.0.1
 * `chargingProfile`). Converters check the shape and the rules that depend only on the profile
 * itself; rules that depend on station state (transactions, other profiles) live in the store.
 */
import { z } from 'zod';

/** OCPP protocol version whose rules apply. */
export type OcppVersion = '1.6' | '2.0.1';

/**
 * Profile purpose, version-neutral:
 * - `StationMax`: 1.6 ChargePointMaxProfile / 2.0.1 ChargingStationMaxProfile (evse 0 only).
 * - `TxDefault`: TxDefaultProfile (evse 0 = default for every EVSE).
 * - `Tx`: TxProfile, bound to one transaction.
 * - `ExternalConstraints`: 2.0.1 ChargingStationExternalConstraints (limit from an external
 *   system, e.g. an EMS); caps like `StationMax`.
 */
export type Purpose = 'StationMax' | 'TxDefault' | 'Tx' | 'ExternalConstraints';
export type ChargingRateUnit = 'A' | 'W';
export type ProfileKind = 'Absolute' | 'Relative' | 'Recurring';
export type Recurrency = 'Daily' | 'Weekly';

/** One schedule period: from `startPeriod` seconds (relative to the schedule start) onwards. */
export interface SchedulePeriod {
  startPeriod: number;
  /** Limit in the schedule's unit (A per phase, or W total). */
  limit: number;
  /** Phases the limit applies to (AC); absent = session phases. */
  numberPhases?: number;
}

export interface NormalizedSchedule {
  /** Epoch ms; the anchor of Absolute and Recurring profiles. */
  startScheduleMs?: number;
  /** Length of the schedule in seconds; after it the profile yields no limit. */
  durationS?: number;
  unit: ChargingRateUnit;
  minChargingRate?: number;
  /** Sorted by strictly increasing `startPeriod`. */
  periods: SchedulePeriod[];
}

/** A charging profile in version-neutral form. Treat as immutable. */
export interface NormalizedProfile {
  id: number;
  stackLevel: number;
  purpose: Purpose;
  /** EVSE (2.0.1) or connector (1.6) id; 0 = whole station. */
  evseId: number;
  kind: ProfileKind;
  /** Only for `kind === 'Recurring'`. */
  recurrency?: Recurrency;
  validFromMs?: number;
  validToMs?: number;
  /** Transaction a Tx profile belongs to (1.6 integer ids are stringified). */
  transactionId?: string;
  schedule: NormalizedSchedule;
  /** The JSON as received, for reporting profiles back (GetChargingProfiles, diagnostics). */
  raw?: unknown;
}

/** Result of converting raw JSON: the profile, or why it is not acceptable. */
export type ConvertResult = { ok: true; profile: NormalizedProfile } | { ok: false; reason: string };

const timestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'invalid timestamp');
const period = z.object({
  startPeriod: z.number().int().min(0),
  limit: z.number().min(0),
  numberPhases: z.number().int().min(1).max(3).optional(),
});
const unit = z.enum(['A', 'W']);
const kind = z.enum(['Absolute', 'Relative', 'Recurring']);
const recurrency = z.enum(['Daily', 'Weekly']);

const schedule16 = z.object({
  duration: z.number().int().min(0).optional(),
  startSchedule: timestamp.optional(),
  chargingRateUnit: unit,
  chargingSchedulePeriod: z.array(period).min(1),
  minChargingRate: z.number().min(0).optional(),
});
const profile16 = z.object({
  chargingProfileId: z.number().int(),
  transactionId: z.number().int().optional(),
  stackLevel: z.number().int().min(0),
  chargingProfilePurpose: z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']),
  chargingProfileKind: kind,
  recurrencyKind: recurrency.optional(),
  validFrom: timestamp.optional(),
  validTo: timestamp.optional(),
  chargingSchedule: schedule16,
});

const schedule201 = schedule16.extend({ id: z.number().int() });
const profile201 = z.object({
  id: z.number().int(),
  stackLevel: z.number().int().min(0),
  chargingProfilePurpose: z.enum([
    'ChargingStationExternalConstraints',
    'ChargingStationMaxProfile',
    'TxDefaultProfile',
    'TxProfile',
  ]),
  chargingProfileKind: kind,
  recurrencyKind: recurrency.optional(),
  validFrom: timestamp.optional(),
  validTo: timestamp.optional(),
  transactionId: z.string().max(36).optional(),
  chargingSchedule: z.array(schedule201).min(1).max(3),
});

const PURPOSE_16 = {
  ChargePointMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
} as const satisfies Record<string, Purpose>;

const PURPOSE_201 = {
  ChargingStationMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
  ChargingStationExternalConstraints: 'ExternalConstraints',
} as const satisfies Record<string, Purpose>;

type RawSchedule = z.infer<typeof schedule16>;
interface CommonFields {
  id: number;
  stackLevel: number;
  purpose: Purpose;
  evseId: number;
  kind: ProfileKind;
  recurrencyKind?: Recurrency | undefined;
  validFrom?: string | undefined;
  validTo?: string | undefined;
  transactionId?: string | undefined;
  schedule: RawSchedule;
  raw: unknown;
}

/** Parses an ISO 8601 timestamp to epoch ms (`undefined` for absent or invalid input). */
export function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function zodReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid charging profile';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function checkPeriods(periods: readonly SchedulePeriod[], firstMustBeZero: boolean): string | undefined {
  if (firstMustBeZero && periods[0]?.startPeriod !== 0) return 'first startPeriod must be 0';
  for (let i = 1; i < periods.length; i++) {
    const prev = periods[i - 1];
    const cur = periods[i];
    if (prev && cur && cur.startPeriod <= prev.startPeriod) {
      return 'startPeriod values must be strictly increasing';
    }
  }
  return undefined;
}

function normalizeSchedule(s: RawSchedule): NormalizedSchedule {
  const out: NormalizedSchedule = {
    unit: s.chargingRateUnit,
    periods: s.chargingSchedulePeriod.map((p) =>
      p.numberPhases === undefined
        ? { startPeriod: p.startPeriod, limit: p.limit }
        : { startPeriod: p.startPeriod, limit: p.limit, numberPhases: p.numberPhases },
    ),
  };
  const start = parseTimestamp(s.startSchedule);
  if (start !== undefined) out.startScheduleMs = start;
  if (s.duration !== undefined) out.durationS = s.duration;
  if (s.minChargingRate !== undefined) out.minChargingRate = s.minChargingRate;
  return out;
}

function build(c: CommonFields): NormalizedProfile {
  const profile: NormalizedProfile = {
    id: c.id,
    stackLevel: c.stackLevel,
    purpose: c.purpose,
    evseId: c.evseId,
    kind: c.kind,
    schedule: normalizeSchedule(c.schedule),
    raw: c.raw,
  };
  if (c.kind === 'Recurring' && c.recurrencyKind) profile.recurrency = c.recurrencyKind;
  const from = parseTimestamp(c.validFrom);
  const to = parseTimestamp(c.validTo);
  if (from !== undefined) profile.validFromMs = from;
  if (to !== undefined) profile.validToMs = to;
  if (c.transactionId !== undefined) profile.transactionId = c.transactionId;
  return profile;
}

/** Rules common to both versions; `strict` adds the 2.0.1-only ones (K01.FR.31/38/40/41). */
function validate(p: NormalizedProfile, strict: boolean): string | undefined {
  if (!Number.isInteger(p.evseId) || p.evseId < 0) return 'evse/connector id must be an integer >= 0';
  if (p.kind === 'Recurring' && !p.recurrency) return 'Recurring profile needs recurrencyKind';
  if (p.validFromMs !== undefined && p.validToMs !== undefined && p.validToMs <= p.validFromMs) {
    return 'validTo must be after validFrom';
  }
  const periodError = checkPeriods(p.schedule.periods, strict);
  if (periodError) return periodError;
  if (!strict) return undefined;
  const hasStart = p.schedule.startScheduleMs !== undefined;
  if (p.kind !== 'Relative' && !hasStart) return `${p.kind} profile needs startSchedule`;
  if (p.kind === 'Relative' && hasStart) return 'Relative profile must not have startSchedule';
  if (p.purpose === 'StationMax' && p.kind === 'Relative') return 'ChargingStationMaxProfile cannot be Relative';
  return undefined;
}

function finish(profile: NormalizedProfile, strict: boolean): ConvertResult {
  const reason = validate(profile, strict);
  return reason ? { ok: false, reason } : { ok: true, profile };
}

/**
 * Converts an OCPP 1.6 SetChargingProfile request's `csChargingProfiles` (with the request's
 * `connectorId`) to normalized form. 1.6 is lenient: startSchedule is optional for every kind.
 */
export function fromOcpp16(connectorId: number, raw: unknown): ConvertResult {
  const parsed = profile16.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const p = parsed.data;
  const profile = build({
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    purpose: PURPOSE_16[p.chargingProfilePurpose],
    evseId: connectorId,
    kind: p.chargingProfileKind,
    recurrencyKind: p.recurrencyKind,
    validFrom: p.validFrom,
    validTo: p.validTo,
    transactionId: p.transactionId === undefined ? undefined : String(p.transactionId),
    schedule: p.chargingSchedule,
    raw,
  });
  return finish(profile, false);
}

/**
 * Converts an OCPP 2.0.1 SetChargingProfile request's `chargingProfile` (with the request's
 * `evseId`) to normalized form. Only the first `chargingSchedule` entry is used.
 */
export function fromOcpp201(evseId: number, raw: unknown): ConvertResult {
  const parsed = profile201.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: zodReason(parsed.error) };
  const p = parsed.data;
  const first = p.chargingSchedule[0];
  if (!first) return { ok: false, reason: 'chargingSchedule is empty' };
  const profile = build({
    id: p.id,
    stackLevel: p.stackLevel,
    purpose: PURPOSE_201[p.chargingProfilePurpose],
    evseId,
    kind: p.chargingProfileKind,
    recurrencyKind: p.recurrencyKind,
    validFrom: p.validFrom,
    validTo: p.validTo,
    transactionId: p.transactionId,
    schedule: first,
    raw,
  });
  return finish(profile, true);
}

/** Converts raw JSON of either version. */
export function fromOcpp(version: OcppVersion, evseId: number, raw: unknown): ConvertResult {
  return version === '1.6' ? fromOcpp16(evseId, raw) : fromOcpp201(evseId, raw);
}
