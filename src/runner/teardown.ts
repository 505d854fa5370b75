/**
 * The clean end of every plan, passed, failed or interrupted (after the plan's own `teardown:`
 * steps, before the rig goes down): every virtual station stops the transactions it still has open
 * (1.6 StopTransaction / 2.0.1 TransactionEvent Ended, with the rig's stop reason), waits, bounded,
 * for the answers and for every call still in flight, and closes its WebSocket with 1001 (going
 * away). Real chargers on the bench, connected to the built-in CSMS, are stopped the way a CSMS
 * stops a charger: a RemoteStopTransaction (1.6) / RequestStopTransaction (2.0.1) per transaction
 * the CSMS has open for them, then the same bounded wait until the CSMS saw every one end; they stay
 * connected (the bench owns them). What was stopped, delivered, left waiting or left queued is
 * recorded in the trace and in the plan's result, so a run that leaves something open says so.
 */
import type { Clock } from '../core/clock.js';
import type { Trace } from '../core/trace.js';
import type { Evse } from '../devices/evse.js';
import { versionStrategy } from '../devices/ocpp-version.js';
import type { CleanTeardownConfig } from '../plan/teardown-schema.js';
import type { EmulatedCsms } from '../../emulators/csms/csms.js';
import type { ChargeStation } from '../../emulators/evse/station.js';

/** WebSocket close code of a station leaving at the end of a plan: 1001 "going away". */
export const TEARDOWN_CLOSE = { code: 1001, reason: 'test plan finished' } as const;

export interface StationCleanup {
  station: string;
  /** Connectors whose open transaction the teardown stopped. */
  stopped: number[];
  /** Transaction messages (stop messages included) still queued when the station closed: the CSMS never got them. */
  undelivered: number;
  /** Calls of the station still without an answer when the wait ran out. */
  unanswered: number;
  /** Connected when the teardown began. */
  wasConnected: boolean;
  /** A real charger: stopped through the built-in CSMS (remote stop), not by the harness at the station. */
  remote?: true | undefined;
  /** A real charger's transactions the CSMS still had open when the wait ran out (a refused or unanswered remote stop). */
  stillOpen?: number | undefined;
  /** The charger's last answer to a remote stop (or the error instead of one), as the report quotes it. */
  lastRemoteStopAnswer?: string | undefined;
}

export interface CleanupResult {
  reason: string;
  /** Monotonic ms the teardown took. */
  durationMs: number;
  /** True when every stop message was delivered and every call answered within the timeout. */
  clean: boolean;
  stations: StationCleanup[];
}

export interface CleanTeardownDeps {
  stations: readonly ChargeStation[];
  clock: Clock;
  trace: Trace;
  /** Every station behind the device interface: the real chargers among them are stopped through `csms`. */
  evses?: readonly { evse: Evse }[] | undefined;
  /** The built-in CSMS the real chargers are connected to. */
  csms?: Pick<EmulatedCsms, 'activeTransactions' | 'send'> | undefined;
}

/** A remote stop a real charger rejected is asked again after this long (within the teardown's timeout). */
const REMOTE_STOP_RETRY_MS = 500;

/** Waits on the run's clock (a Driver: on the VirtualClock, waiting advances time); true when `done()` came true in time. */
export type WaitUntil = (done: () => boolean, maxMs: number) => Promise<boolean>;

/** Stop, settle and close every running virtual station (see the module comment). */
export async function cleanTeardown(deps: CleanTeardownDeps, cfg: CleanTeardownConfig, timeoutMs: number, waitUntil: WaitUntil): Promise<CleanupResult> {
  const { clock, trace } = deps;
  const t0 = clock.now();
  const running = deps.stations.filter((s) => s.isRunning);
  trace.record({ kind: 'note', message: 'clean-teardown-start', data: { stations: running.map((s) => s.identity), stopReason: cfg.stopReason, timeoutMs } });
  const stations: StationCleanup[] = running.map((s) => {
    const stopped: number[] = [];
    if (cfg.stopTransactions) {
      for (const c of s.sessions.connectors) {
        if (c.tx && s.stopTransaction(c.id, cfg.stopReason)) stopped.push(c.id);
      }
    }
    return { station: s.identity, stopped, undelivered: 0, unanswered: 0, wasConnected: s.connected };
  });
  const real = realChargersToStop(deps, cfg, timeoutMs);
  stations.push(...real.map((r) => r.cleanup));
  // the stop messages go out through each station's transaction queue (after anything queued before them);
  // then every call still in flight, ours or held answers, is awaited: one shared deadline for all stations
  let pending = running.length;
  const settle = async (s: ChargeStation): Promise<void> => {
    // a stop's answer sets off more calls (the connector's StatusNotification goes out a turn later): settle until quiet
    while (s.connected) {
      await s.queue.whenEmpty();
      await s.net.settled();
      await new Promise<void>((resolve) => { clock.defer(resolve); });
      if (s.queue.length === 0 && s.net.pendingCalls === 0) break;
    }
    pending--;
  };
  for (const s of running) void settle(s).catch(() => { pending--; });
  const realDone = (): boolean => real.every((r) => r.open() === 0);
  const settled = await waitUntil(() => pending === 0 && realDone(), timeoutMs);
  for (const r of real) r.cleanup.stillOpen = r.open();
  running.forEach((s, i) => {
    const r = stations[i] as StationCleanup;
    r.undelivered = s.queue.length;
    r.unanswered = s.net.pendingCalls;
  });
  await Promise.allSettled(running.map((s) => s.stop(TEARDOWN_CLOSE)));
  const clean = settled && stations.every((r) => r.undelivered === 0 && r.unanswered === 0 && !r.stillOpen);
  const result: CleanupResult = { reason: cfg.stopReason, durationMs: clock.now() - t0, clean, stations };
  trace.record({ kind: 'note', message: 'clean-teardown-end', data: result });
  return result;
}

/**
 * Real chargers connected to the built-in CSMS with transactions open on it: the CSMS sends each a
 * remote stop now (answers and errors go to the trace); `open()` counts what is still open.
 */
function realChargersToStop(deps: CleanTeardownDeps, cfg: CleanTeardownConfig, timeoutMs: number): { cleanup: StationCleanup; open: () => number }[] {
  const csms = deps.csms;
  if (!csms || !cfg.stopTransactions) return [];
  return (deps.evses ?? []).map(({ evse }) => evse).filter((e) => e.kind === 'real' && e.isConnected()).flatMap((e) => {
    const open = csms.activeTransactions(e.identity);
    if (open.length === 0) return [];
    const v = versionStrategy(e.version);
    const stopped: number[] = [];
    const cleanup: StationCleanup = { station: e.identity, stopped, undelivered: 0, unanswered: 0, wasConnected: true, remote: true };
    const until = deps.clock.now() + timeoutMs;
    for (const tx of open) {
      stopped.push(v.connectorOf(tx) ?? tx.connectorId);
      const { action, payload } = v.remoteStop(tx.transactionId);
      const note = (data: Record<string, unknown>): void => deps.trace.record({ kind: 'note', message: 'clean-teardown-remote-stop', data: { station: e.identity, action, transactionId: tx.transactionId, ...data } });
      // a charger that has not taken in the transaction id yet (the start's answer was just sent) rejects
      // the stop: ask again, until the transaction ended or the teardown's time is up
      const ask = (): void => {
        void csms.send(e.identity, action, payload, Math.max(1, until - deps.clock.now())).then((answer) => {
          note({ answer });
          cleanup.lastRemoteStopAnswer = `${action} answered ${JSON.stringify(answer)}`;
          const rejected = (answer as { status?: unknown } | undefined)?.status === 'Rejected';
          const stillOpen = csms.activeTransactions(e.identity).some((t) => t.transactionId === tx.transactionId);
          if (rejected && stillOpen && deps.clock.now() + REMOTE_STOP_RETRY_MS < until) deps.clock.setTimer(REMOTE_STOP_RETRY_MS, ask, 'clean-teardown remote stop retry');
        }, (err: unknown) => {
          note({ error: (err as Error).message });
          cleanup.lastRemoteStopAnswer = `${action} failed: ${(err as Error).message}`;
        });
      };
      ask();
    }
    return [{ cleanup, open: () => csms.activeTransactions(e.identity).length }];
  });
}

/** One line for the report when the teardown left something behind; undefined when it was clean. */
export function cleanupProblem(r: CleanupResult): string | undefined {
  if (r.clean) return undefined;
  const parts = r.stations.flatMap((s) => {
    const out: string[] = [];
    if (s.undelivered > 0) out.push(`${s.station}: ${s.undelivered} transaction message(s) never delivered${s.wasConnected ? '' : ' (offline)'}`);
    if (s.unanswered > 0) out.push(`${s.station}: ${s.unanswered} call(s) unanswered when it closed`);
    if (s.stillOpen) out.push(`${s.station}: ${s.stillOpen} transaction(s) still open on the CSMS after the remote stop${s.lastRemoteStopAnswer ? ` (last: ${s.lastRemoteStopAnswer})` : ' (no answer)'}`);
    return out;
  });
  return `clean teardown: ${parts.join('; ') || 'the wait for answers ran out'}`;
}
