/**
 * Steps for chargers on Modbus, the same on virtual stations (their Modbus TCP server) and on
 * bench chargers (`modbusChargers`, reached by address): both go through a Modbus master and the
 * charger map, as a site controller would.
 * - `modbus-write`: write a register; with `within`, the answer must come in time; an exception fails.
 * - `expect: { register }`: read the register every `pollMs` until it meets the threshold. A register
 *   is only known when it is read, so the time measured is the first read (from this step on) that met it.
 * - `energy-manager`: a DR event, a restore, or a controller that stops / resumes refreshing.
 */
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { TimerHandle } from '../core/clock.js';
import type { Step } from '../plan/plan-schema.js';
import { expandEvses, type Rig } from '../plan/rig-schema.js';
import { BUILTIN_CHARGER_MAPS, loadChargerMap } from '../../emulators/charger-modbus/map.js';
import type { RegisterValue } from '../adapters/charger-modbus.js';
import { ModbusExceptionError } from '../adapters/modbus-master.js';
import type { RunContext } from './context.js';
import { budgetFor } from './budget.js';
import { failed, fmt, judge, type Outcome } from './outcome.js';
import { rigModbusOf, type ChargerModbusRuntime } from './rig-charger-modbus.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/**
 * Problems of a Modbus step against the rig, known before the run: the charger is not in the rig,
 * the register is not in its map (or cannot be read / written), no energy manager. Maps that are
 * files next to the rig are checked when the step runs.
 */
export function modbusStepProblems(file: string, where: string, step: Step, rig: Rig): string[] {
  const ref = step.kind === 'modbus-write' ? { charger: step.charger, register: step.register, field: 'register', write: true }
    : step.kind === 'expect' && step.register ? { charger: step.register.charger, register: step.register.name, field: 'register.name', write: false } : undefined;
  if (step.kind === 'energy-manager' && !rig.energyManager) return [`${file}: ${where}: the rig has no energyManager section`];
  if (!ref) return [];
  const mapRef = rig.modbusChargers.find((c) => c.id === ref.charger)?.map ?? (rigModbusMap(rig, ref.charger));
  if (mapRef === undefined) {
    const known = [...rig.modbusChargers.map((c) => c.id), ...expandEvses(rig).filter((e) => rigModbusMap(rig, e.identity) !== undefined).map((e) => e.identity)];
    return [`${file}: ${where}.${step.kind === 'expect' ? 'register.charger' : 'charger'}: no Modbus charger "${ref.charger}" in the rig (known: ${known.join(', ') || 'none'})`];
  }
  if (!(BUILTIN_CHARGER_MAPS as readonly string[]).includes(mapRef)) return [];
  const entry = loadChargerMap(mapRef).byName.get(ref.register);
  if (!entry) return [`${file}: ${where}.${ref.field}: map ${mapRef} has no register "${ref.register}"`];
  if (ref.write && !entry.writable) return [`${file}: ${where}.${ref.field}: "${ref.register}" of map ${mapRef} is read-only`];
  if (!ref.write && !entry.readable) return [`${file}: ${where}.${ref.field}: "${ref.register}" of map ${mapRef} is write-only`];
  return [];
}

function rigModbusMap(rig: Rig, identity: string): string | undefined {
  return rigModbusOf(rig, identity)?.map;
}

function requireModbus(ctx: RunContext, where: string): ChargerModbusRuntime {
  const m = ctx.rt.modbus;
  if (!m) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: ${where}: the rig has no Modbus chargers (evses[].modbus, modbusChargers) and no energyManager`);
  return m;
}

const COMPARE: Record<string, (a: number, b: number, tol: number) => boolean> = {
  '<=': (a, b, t) => a <= b + t, '<': (a, b, t) => a < b + t, '>=': (a, b, t) => a >= b - t, '>': (a, b, t) => a > b - t,
  '==': (a, b, t) => Math.abs(a - b) <= Math.max(t, 1e-9), '!=': (a, b, t) => Math.abs(a - b) > Math.max(t, 1e-9),
};

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function modbusWriteStep(ctx: RunContext, step: StepOf<'modbus-write'>, where: string): Promise<Outcome> {
  const modbus = requireModbus(ctx, where);
  const master = await ctx.driver.settle(modbus.master(step.charger, `${ctx.file}: ${where}.charger`), 30_000);
  master.entry(step.register);
  const triggerT = ctx.driver.now();
  const b = budgetFor(ctx, step, where, triggerT);
  ctx.rt.trace.record({ kind: 'device', device: 'harness', event: 'modbus-write', data: { charger: step.charger, connector: step.connector, register: step.register, value: step.value } });
  const what = `write ${step.register} = ${step.value} to ${step.charger}`;
  try {
    await ctx.driver.settle(master.write(step.register, step.value, step.connector), 30_000);
  } catch (err) {
    if (err instanceof HarnessError && (err.code === ERROR_CODES.PLAN_INVALID)) throw err;
    if (step.expectException !== undefined && err instanceof ModbusExceptionError && err.exceptionCode === step.expectException) {
      return { status: 'passed', budgetMs: b.budgetMs, measuredMs: ctx.driver.now() - triggerT, triggerT, answer: { exception: err.exceptionCode } };
    }
    return failed(`${what}: ${errText(err)}${step.expectException !== undefined ? ` (expected exception ${step.expectException})` : ''}`, { budgetMs: b.budgetMs, triggerT });
  }
  if (step.expectException !== undefined) return failed(`${what}: accepted, expected exception ${step.expectException}`, { budgetMs: b.budgetMs, triggerT });
  const measuredMs = ctx.driver.now() - triggerT;
  if (b.budgetMs !== undefined && measuredMs > b.budgetMs) {
    return failed(`${what}: answered after ${fmt(measuredMs)}, budget ${fmt(b.budgetMs)}`, { budgetMs: b.budgetMs, measuredMs, cause: 'timeout', triggerT });
  }
  return { status: 'passed', budgetMs: b.budgetMs, measuredMs, triggerT };
}

export async function modbusExpectStep(ctx: RunContext, step: StepOf<'expect'>, where: string, prevTrigger: number): Promise<Outcome> {
  const modbus = requireModbus(ctx, where);
  const r = step.register as NonNullable<StepOf<'expect'>['register']>;
  const master = await ctx.driver.settle(modbus.master(r.charger, `${ctx.file}: ${where}.register.charger`), 30_000);
  const entry = master.entry(r.name);
  if (typeof r.value === 'string' && entry.source !== 'state') {
    throw new HarnessError(ERROR_CODES.PLAN_INVALID, `${ctx.file}: ${where}.register.value: "${entry.name}" is not a state register; compare it with a number`);
  }
  const b = budgetFor(ctx, step, where, prevTrigger);
  const what = `${r.charger}${r.connector !== 1 ? `#${r.connector}` : ''} register "${r.name}" ${r.op} ${String(r.value)}${r.tolerance ? ` (tolerance ${r.tolerance})` : ''}`;
  const matches = (v: RegisterValue): boolean => {
    if (typeof r.value === 'string') return ((v.state ?? String(v.value)) === r.value) === (r.op === '==');
    return (COMPARE[r.op] as (a: number, b: number, t: number) => boolean)(Number(v.value), r.value, r.tolerance);
  };
  const show = (v: RegisterValue): string => (v.state !== undefined ? `${v.state} (${String(v.value)})` : String(v.value));
  let hitAt: number | undefined;
  let last: string | undefined;
  let lastError: string | undefined;
  let inflight = false;
  let timer: TimerHandle | undefined;
  const clock = ctx.rt.clock;
  const poll = (): void => {
    timer = clock.setTimer(r.pollMs, poll, `register poll ${r.charger}`);
    if (inflight || hitAt !== undefined) return;
    inflight = true;
    master.read(r.name, r.connector).then((v) => {
      const t = clock.now();
      last = `${show(v)} at ${fmt(t)}`;
      if (hitAt === undefined && t >= b.anchor && matches(v)) hitAt = t;
    }, (err: unknown) => { lastError = errText(err); }).finally(() => { inflight = false; });
  };
  poll();
  let at: number | undefined;
  try {
    const hit = await ctx.driver.until(() => hitAt, step.not ? b.waitMs : b.lateMs);
    at = hit?.value;
    // a read still on the wire is finished before the verdict (and before the rig may close)
    await ctx.driver.until(() => (inflight ? undefined : true), 5000);
  } finally {
    timer?.cancel();
  }
  const tail = `${last ? `; last value: ${last}` : ''}${lastError ? `; last error: ${lastError}` : ''}`;
  if (step.not) {
    if (at !== undefined && (b.budgetMs === undefined || at - b.anchor <= b.budgetMs)) {
      return failed(`expected no ${what}, but it read so after ${fmt(at - b.anchor)}${tail}`, { budgetMs: b.budgetMs, measuredMs: at - b.anchor });
    }
    return { status: 'passed', budgetMs: b.budgetMs, triggerT: ctx.driver.now() };
  }
  const out = judge(what, b.anchor, at, b.budgetMs, b.lateMs);
  return out.status === 'failed' ? { ...out, message: `${out.message}${tail}` } : out;
}

export async function energyManagerStep(ctx: RunContext, step: StepOf<'energy-manager'>, where: string): Promise<Outcome> {
  const em = requireModbus(ctx, where).energyManager;
  if (!em) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${ctx.file}: ${where}: the rig has no energyManager section`);
  const triggerT = ctx.driver.now();
  const action = step.limitKw !== undefined ? em.setLimitW(step.limitKw * 1000) : step.restore ? em.restore() : step.stop ? em.stop() : em.resume();
  ctx.rt.trace.record({ kind: 'device', device: 'harness', event: 'energy-manager', data: { limitKw: step.limitKw, restore: step.restore, stop: step.stop, resume: step.resume, adapter: em.kind } });
  try {
    await ctx.driver.settle(action, 30_000);
  } catch (err) {
    return failed(`energy manager (${em.kind}): ${errText(err)}`, { triggerT, cause: 'error' });
  }
  return { status: 'passed', triggerT };
}
