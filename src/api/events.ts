/**
 * Live events of the API's stream, made from trace records (frames, state changes, quirk firings),
 * from periodic samples of the site and its meters, and from plan runs (step results). Pure logic:
 * conversion, the frame action tracker and the server-side filters.
 */
import { z } from 'zod';
import type { TraceRecord } from '../core/trace.js';
import { globMatch } from '../runner/selectors.js';

export const EVENT_KINDS = ['frame', 'state', 'device', 'meter', 'quirk', 'step', 'run', 'note'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface FrameEvent {
  kind: 'frame'; seq: number; t: number; station: string; endpoint: 'evse' | 'csms'; dir: 'in' | 'out';
  /** 2 CALL, 3 CALLRESULT, 4 CALLERROR (0: not an OCPP-J array). */
  type: number; id: string; action: string | undefined; raw: string;
}
export type ApiEvent =
  | FrameEvent
  | { kind: 'state'; seq: number; t: number; station?: string | undefined; device: string; event: string; data?: unknown }
  | { kind: 'device'; t: number; station: string; device: unknown }
  | { kind: 'meter'; t: number; importW: number; baseLoadW: number; limitW: number | undefined; meters: { id: string; values: Record<string, number> }[]; stations: [string, number][] }
  | { kind: 'quirk'; seq: number; t: number; station?: string | undefined; device: string; quirk: string; detail?: string | undefined }
  | { kind: 'step'; t: number; run: string; plan: string; phase: 'start' | 'end'; step: unknown }
  | { kind: 'run'; t: number; run: string; status: string }
  | { kind: 'note'; seq: number; t: number; message: string; data?: unknown };

const FRAME_HEAD = /^\[\s*([234])\s*,\s*"((?:[^"\\]|\\.){0,200})"\s*(?:,\s*"([^"\\]{0,64})")?/;
/** Calls awaiting an answer, remembered per station and endpoint; beyond this the oldest are forgotten. */
const MAX_OPEN_CALLS = 20_000;

/** Names CALLRESULT / CALLERROR frames by the action of the CALL they answer. */
export class FrameActions {
  private readonly open = new Map<string, string>();

  frame(r: Extract<TraceRecord, { kind: 'ocpp' }>): FrameEvent {
    const m = FRAME_HEAD.exec(r.raw);
    const type = m ? Number(m[1]) : 0;
    const id = m?.[2] ?? '';
    let action: string | undefined;
    const key = `${r.station}\u0000${r.endpoint}\u0000${id}`;
    if (type === 2) {
      action = m?.[3];
      if (action !== undefined) {
        if (this.open.size >= MAX_OPEN_CALLS) this.open.delete(this.open.keys().next().value as string);
        this.open.set(key, action);
      }
    } else if (type === 3 || type === 4) {
      action = this.open.get(key);
      this.open.delete(key);
    }
    return { kind: 'frame', seq: r.seq, t: r.t, station: r.station, endpoint: r.endpoint, dir: r.dir, type, id, action, raw: r.raw };
  }
}

/** The event a trace record becomes (undefined: not streamed). `isStation` tells station identities apart from other devices. */
export function eventOf(r: TraceRecord, actions: FrameActions, isStation: (id: string) => boolean): ApiEvent | undefined {
  switch (r.kind) {
    case 'ocpp':
      return actions.frame(r);
    case 'conn':
      return { kind: 'state', seq: r.seq, t: r.t, station: r.station, device: r.station, event: `${r.endpoint}:${r.event}`, data: r.detail };
    case 'device': {
      const about = (r.data as { station?: unknown } | undefined)?.station;
      const station = isStation(r.device) ? r.device : typeof about === 'string' && isStation(about) ? about : undefined;
      return { kind: 'state', seq: r.seq, t: r.t, station, device: r.device, event: r.event, data: r.data };
    }
    case 'quirk':
      return { kind: 'quirk', seq: r.seq, t: r.t, station: isStation(r.device) ? r.device : undefined, device: r.device, quirk: r.quirk, detail: r.detail };
    case 'note':
      return { kind: 'note', seq: r.seq, t: r.t, message: r.message, data: r.data };
  }
}

/** The station an event is about, if any. */
export function stationOf(e: ApiEvent): string | undefined {
  return 'station' in e ? e.station : undefined;
}

const list = (max: number, item: z.ZodString) => z.union([z.string().max(max * 65), z.array(item).max(max)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** Server-side filters: query string of the WebSocket URL, or a `{ "type": "filter", ... }` message. */
export const FilterSchema = z.object({
  station: list(1000, z.string().max(64)).optional().describe('Station identities or globs ("CB16-*"), comma-separated: events about other stations are left out'),
  kind: list(EVENT_KINDS.length, z.string()).optional()
    .pipe(z.array(z.enum(EVENT_KINDS)).optional()).describe(`Event kinds, comma-separated: ${EVENT_KINDS.join(', ')}`),
  action: list(200, z.string().max(64)).optional().describe('OCPP actions, comma-separated: frames of other actions are left out'),
}).strict();
export type EventFilter = z.output<typeof FilterSchema>;

/** Does the event pass the filter? Station globs apply to events about a station, actions to frames. */
export function passes(e: ApiEvent, f: EventFilter): boolean {
  if (f.kind && f.kind.length && !f.kind.includes(e.kind)) return false;
  if (f.station && f.station.length) {
    const s = stationOf(e);
    if (s !== undefined && !f.station.some((p) => (p.includes('*') ? globMatch(p, s) : p === s))) return false;
  }
  if (f.action && f.action.length && e.kind === 'frame' && !(e.action !== undefined && f.action.includes(e.action))) return false;
  return true;
}
