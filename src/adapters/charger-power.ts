/**
 * What a real charger's meter says, read from the frames it sent (as the CSMS received them):
 * power from Power.Active.Import when it reports it, else derived from two energy-register
 * samples, 0 once its transaction ended, and "offline" once it disconnected. Never a stale value
 * presented as live: every reading carries the time of the sample it rests on. Pure logic over
 * trace records.
 */
import type { TraceRecord } from '../core/trace.js';
import type { PowerReading } from '../devices/evse.js';
import { readMeterValue, type RawMeterValue } from '../../emulators/csms/meter-values.js';

interface ConnectorMeter {
  active: boolean;
  powerW: number | undefined;
  powerT: number | undefined;
  source: PowerReading['source'];
  /** Last energy sample: register (Wh) and time (ms, charger clock when usable, else arrival). */
  energy: { wh: number; at: number; t: number } | undefined;
}

function wallMs(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : undefined;
}

export class ChargerPower {
  private readonly connectors = new Map<number, ConnectorMeter>();
  private connected = false;

  private meter(id: number): ConnectorMeter {
    let m = this.connectors.get(id);
    if (!m) this.connectors.set(id, m = { active: false, powerW: undefined, powerT: undefined, source: 'idle', energy: undefined });
    return m;
  }

  /** Feed one trace record of this charger (CSMS endpoint). */
  observe(r: TraceRecord): void {
    if (r.kind === 'conn') {
      if (r.event === 'open') this.connected = true;
      if (r.event === 'closed' || r.event === 'replaced') this.connected = false;
      return;
    }
    if (r.kind !== 'ocpp' || r.dir !== 'in' || !r.raw.startsWith('[2')) return;
    let frame: unknown[];
    try {
      frame = JSON.parse(r.raw) as unknown[];
    } catch {
      return;
    }
    const action = frame[2];
    const p = (frame[3] ?? {}) as Record<string, unknown>;
    switch (action) {
      case 'StartTransaction': this.start(Number(p.connectorId ?? 1), r.t); break;
      case 'StopTransaction': this.end(r.t); break;
      case 'MeterValues': this.samples(Number(p.connectorId ?? p.evseId ?? 1), p.meterValue, r.t); break;
      case 'TransactionEvent': {
        const evseId = Number((p.evse as { id?: number } | undefined)?.id ?? 1);
        if (p.eventType === 'Started') this.start(evseId, r.t);
        this.samples(evseId, p.meterValue, r.t);
        if (p.eventType === 'Ended') this.end(r.t, evseId);
        break;
      }
      default:
    }
  }

  private start(id: number, t: number): void {
    const m = this.meter(id);
    Object.assign(m, { active: true, powerW: undefined, powerT: t, source: 'none', energy: undefined });
  }

  /** A 1.6 StopTransaction names no connector: end the only active one (or all). */
  private end(t: number, id?: number): void {
    for (const [cid, m] of this.connectors) {
      if (id !== undefined && cid !== id) continue;
      Object.assign(m, { active: false, powerW: 0, powerT: t, source: 'idle', energy: undefined });
    }
  }

  private samples(id: number, meterValue: unknown, t: number): void {
    if (!Array.isArray(meterValue)) return;
    const m = this.meter(id);
    for (const mv of meterValue as RawMeterValue[]) {
      if (!mv || !Array.isArray(mv.sampledValue)) continue;
      const reading = readMeterValue(mv);
      if (reading.powerW !== undefined) {
        Object.assign(m, { powerW: reading.powerW, powerT: t, source: 'measured' });
      }
      if (reading.energyWh !== undefined) {
        const at = wallMs(mv.timestamp) ?? t;
        const prev = m.energy;
        if (reading.powerW === undefined && prev && at > prev.at && reading.energyWh >= prev.wh) {
          Object.assign(m, { powerW: ((reading.energyWh - prev.wh) * 3_600_000) / (at - prev.at), powerT: t, source: 'energy' });
        }
        m.energy = { wh: reading.energyWh, at, t };
      }
    }
  }

  /** The station's power: the sum over its connectors, with the oldest sample time it rests on. */
  reading(): PowerReading {
    if (!this.connected) return { w: 0, sampleT: undefined, source: 'offline' };
    const active = [...this.connectors.values()].filter((m) => m.active);
    if (active.length === 0) return { w: 0, sampleT: undefined, source: 'idle' };
    const unknown = active.find((m) => m.powerW === undefined);
    if (unknown) return { w: 0, sampleT: unknown.powerT, source: 'none' };
    const w = active.reduce((sum, m) => sum + (m.powerW ?? 0), 0);
    const sampleT = Math.min(...active.map((m) => m.powerT ?? 0));
    const source = active.some((m) => m.source === 'energy') ? 'energy' : 'measured';
    return { w, sampleT, source };
  }
}
