/**
 * OCPP-J message logs as JSON lines, in the shapes back-ends write:
 * - objects: {"timestamp": ..., "chargeBoxId": ..., "direction": "in", "message": [2, ...]}
 *   (common key spellings are recognised; the frame may be an array or its text);
 * - tuples: ["2024-06-01T17:30:00Z", "CP-1", "in", [2, ...]] (direction optional);
 * - bare frames: [2, "id", "Heartbeat", {}] (a charger's own log; give --station).
 */
import { directionWord, type Perspective } from './direction-words.js';
import type { ImportSink } from './import-sink.js';
import { eachLine } from './lines.js';
import { parseTimestamp } from './timeline.js';

const TS_KEYS = ['timestamp', 'ts', 'time', '@timestamp', 'date', 'datetime', 'receivedAt', 'loggedAt', 'created_at', 'createdAt'];
const STATION_KEYS = ['station', 'stationId', 'chargeBoxId', 'chargePointId', 'chargingStationId', 'cpId', 'identity', 'chargerId', 'clientId', 'charge_box_id', 'station_id'];
const DIR_KEYS = ['direction', 'dir', 'origin', 'flow'];
const FRAME_KEYS = ['frame', 'message', 'msg', 'raw', 'ocpp', 'payload', 'data'];

function pick(o: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

function isFrame(v: unknown): boolean {
  return Array.isArray(v) && (v[0] === 2 || v[0] === 3 || v[0] === 4);
}

export async function importOcppJson(path: string, sink: ImportSink, perspective: Perspective): Promise<void> {
  await eachLine(path, (text, line) => {
    sink.countLine();
    if (text.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      sink.problem(line, `not JSON: ${(err as Error).message}`);
      return;
    }
    if (isFrame(v)) return sink.frame({ line, frame: v });
    if (Array.isArray(v)) {
      const frame = v.at(-1);
      if (!isFrame(frame) && typeof frame !== 'string') return sink.problem(line, 'a JSON array that is neither a frame nor [timestamp, station, (direction,) frame]');
      const wallMs = parseTimestamp(v[0]);
      if (wallMs === undefined) return sink.problem(line, `timestamp ${JSON.stringify(v[0])} is not a date`);
      const dir = v.length >= 4 && typeof v[2] === 'string' ? directionWord(v[2], perspective) : undefined;
      return sink.frame({ line, wallMs, station: typeof v[1] === 'string' ? v[1] : undefined, dir, frame });
    }
    if (v === null || typeof v !== 'object') return sink.problem(line, 'a JSON line must be an object or an array');
    const o = v as Record<string, unknown>;
    const frame = pick(o, FRAME_KEYS);
    if (frame === undefined) return sink.problem(line, `no frame: none of the keys ${FRAME_KEYS.join(', ')}`);
    const ts = pick(o, TS_KEYS);
    const wallMs = parseTimestamp(ts);
    if (ts !== undefined && wallMs === undefined) return sink.problem(line, `timestamp ${JSON.stringify(ts)} is not a date`);
    const station = pick(o, STATION_KEYS);
    const d = pick(o, DIR_KEYS);
    const dir = typeof d === 'string' ? directionWord(d, perspective) : undefined;
    if (typeof d === 'string' && dir === undefined) sink.problem(line, `direction ${JSON.stringify(d)} not understood: inferred from the frame`, 'warning');
    sink.frame({ line, wallMs, station: typeof station === 'string' ? station : undefined, dir, frame });
  });
}
