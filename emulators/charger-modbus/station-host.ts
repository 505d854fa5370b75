/** The ChargerHost of a virtual ChargeStation: its sessions, electrical data and session starts. */
import type { ChargeStation } from '../evse/station.js';
import type { ChargerHost } from './model.js';

export function stationHost(station: ChargeStation): ChargerHost {
  const e = station.config.electrical;
  const ac = e.kind === 'AC' ? e : undefined;
  const sessions = station.sessions;
  return {
    identity: station.identity,
    connectorCount: sessions.connectors.length,
    voltage: ac?.voltage ?? 230,
    phases: ac?.phases ?? 3,
    maxCurrentA: ac?.maxCurrentA ?? 0,
    connector: (id) => sessions.connector(id),
    sample: (id) => sessions.sampleNow(id),
    setExternalLimit: (id, name, w) => sessions.setExternalLimit(id, name, w),
    limitSource: (id) => sessions.limitSource(id),
    onSessionStart: (cb) => {
      const seen = new Map<number, string | undefined>();
      station.on('status', (ev: { connector: number }) => {
        const tx = sessions.connector(ev.connector).tx?.localTxId;
        if (tx !== undefined && seen.get(ev.connector) !== tx) cb(ev.connector);
        seen.set(ev.connector, tx);
      });
    },
  };
}
