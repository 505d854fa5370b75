/** What a virtual station is built from, and the states of its boot handshake. */
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import type { Trace } from '../../src/core/trace.js';
import type { FrameLedger } from '../../src/transport/frame-ledger.js';
import type { StationDialect } from './dialect.js';
import type { StationMemory } from './memory.js';
import type { ChargeStation } from './station.js';

export type BootState = 'Offline' | 'Connecting' | 'Booting' | 'Pending' | 'Rejected' | 'Accepted';

export interface StationDeps {
  clock: Clock;
  trace: Trace;
  /** This station's own random stream (reconnect jitter). */
  rng: Rng;
  /** Builds the protocol dialect for the configured OCPP version. */
  dialect: (station: ChargeStation) => StationDialect;
  /** CSMS URL when the config has none (the rig's emulated CSMS). */
  defaultCsmsUrl?: string | undefined;
  ledger?: FrameLedger | undefined;
  /** Non-volatile memory to start from (survives `reboot()` in any case). */
  memory?: StationMemory | undefined;
  /** Persist memory after each change (file-backed stations). */
  persist?: ((m: StationMemory) => void) | undefined;
  /** Tag of this run in transaction ids, so ids never repeat across runs on one CSMS (see tx-id.ts). */
  runTag?: string | undefined;
  /** Delay between going down and booting again on a reset (ms); default: the config's timing.rebootDurationMs. */
  rebootDelayMs?: number;
}
