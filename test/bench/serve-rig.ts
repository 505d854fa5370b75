/** A rig of `n` virtual stations for the serve benchmark and the 1,000-station browser test. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface ServeRigOptions {
  n: number;
  /** Heartbeat interval the CSMS hands out (s): n / heartbeatS heartbeats a second. */
  heartbeatS: number;
  /** MeterValues interval of a station in a session (s). */
  meterS: number;
  traceDir: string;
}

export function writeServeRig(file: string, o: ServeRigOptions): void {
  const half = Math.ceil(o.n / 2);
  const evse = (identity: string, version: '1.6' | '2.0.1', count: number) => ({
    identity, count, ocppVersion: version, vendor: 'chargebench', model: 'VirtualAC', firmwareVersion: '1.0.0',
    electrical: { kind: 'AC', phases: 1, maxCurrentA: 16, voltage: 230 }, meterSampleIntervalS: o.meterS,
  });
  writeFileSync(file, stringify({
    name: `serve-bench-${o.n}`,
    trace: { enabled: false, dir: o.traceDir },
    csms: {
      host: '127.0.0.1', port: 0, path: 'ocpp', heartbeatIntervalS: o.heartbeatS,
      boot: { default: { status: 'Accepted' } },
      authorization: { idTags: { 'TAG-1': 'Accepted' }, acceptUnknown: false },
      loadManager: { siteLimitW: o.n * 3680, unit: 'W' },
    },
    evses: [evse('A{n:04}', '1.6', half), ...(o.n - half > 0 ? [evse('B{n:04}', '2.0.1', o.n - half)] : [])],
  }));
}
