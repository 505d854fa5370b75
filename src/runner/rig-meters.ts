import type { Clock } from '../core/clock.js';
import type { RngFactory } from '../core/rng.js';
import type { Trace } from '../core/trace.js';
import { ModbusMeterMaster } from '../adapters/modbus-master.js';
import type { Rig } from '../plan/rig-schema.js';
import { createMeter, type EmulatedMeter, type Quantity } from '../../emulators/meter/index.js';
import { startMeterRtuServer, type RtuServer } from '../../emulators/meter/rtu-server.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import type { SiteModel } from '../../emulators/site/site-model.js';

/** A meter as plans see it: emulated (read from its registers' source) or on the bench (polled). */
export interface MeterHandle {
  readonly id: string;
  readonly kind: 'emulated' | 'bench';
  /** Where it answers: "127.0.0.1:5020", "rtu:/dev/ttyUSB0". */
  readonly endpoints: string[];
  /** Latest value of a quantity (W, V, A, Wh, Hz), or undefined when not read yet. */
  value(q: Quantity): number | undefined;
  close(): Promise<void>;
}

/** Start the rig's emulated meters (TCP/RTU servers) and connect to its bench meters. */
export async function startMeters(rig: Rig, deps: { clock: Clock; trace: Trace; rngs: RngFactory; site: SiteModel; stations: ChargeStation[]; rigDir?: string | undefined }): Promise<MeterHandle[]> {
  const handles: MeterHandle[] = [];
  try {
    for (const cfg of rig.meters) {
      const m: EmulatedMeter = createMeter(cfg, {
        site: deps.site, clock: deps.clock, trace: deps.trace, rngs: deps.rngs, baseDir: deps.rigDir,
        evsePhases: (id) => deps.stations.find((s) => s.identity === id)?.supplyPhases,
      });
      const started = await m.start();
      let rtu: RtuServer | undefined;
      try {
        if (cfg.rtu) rtu = await startMeterRtuServer(m.handler, cfg.rtu, { clock: deps.clock });
      } catch (err) {
        await m.close();
        throw err;
      }
      const endpoints = [...(started.tcp ? [`${started.tcp.host}:${started.tcp.port}`] : []), ...(cfg.rtu ? [`rtu:${cfg.rtu.path}`] : [])];
      handles.push({
        id: cfg.id, kind: 'emulated', endpoints,
        value: (q) => m.meter.quantity(q),
        close: async () => { await rtu?.close(); await m.close(); },
      });
    }
    for (const cfg of rig.benchMeters) {
      const master = await ModbusMeterMaster.connect({
        link: cfg.link, unitId: cfg.unitId, map: cfg.map, device: cfg.id, timeoutMs: cfg.timeoutMs, trace: deps.trace, clock: deps.clock,
      });
      await master.poll();
      master.startPolling(cfg.pollMs, (err) => deps.trace.record({ kind: 'device', device: cfg.id, event: 'poll-failed', data: (err as Error).message }));
      handles.push({
        id: cfg.id, kind: 'bench',
        endpoints: [cfg.link.kind === 'tcp' ? `${cfg.link.host}:${cfg.link.port}` : `rtu:${cfg.link.path}`],
        value: (q) => (master.snapshot() ? master.value(q) : undefined),
        close: async () => { master.stopPolling(); await master.close(); },
      });
    }
  } catch (err) {
    await Promise.allSettled(handles.map((h) => h.close()));
    throw err;
  }
  return handles;
}
