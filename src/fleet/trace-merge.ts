/**
 * One trace from the parts the processes of a fleet wrote: a k-way merge by time, each part's `t`
 * moved onto the parent's time axis (its clock origin's offset), `seq` renumbered over the whole.
 * Streams line by line, so the merged file may be far larger than memory.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TraceEvent } from '../core/trace.js';

export interface TracePart {
  file: string;
  /** Added to every `t` of the part (ms): its clock's origin minus the merged trace's. */
  offsetMs: number;
}

const HEAD = /^\{"seq":\d+,"t":(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?),/;

interface Cursor {
  lines: AsyncIterator<string>;
  offsetMs: number;
  /** The current line's shifted time and the rest of the line after `"t":...,` */
  t: number;
  rest: string;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function advance(c: Cursor): Promise<boolean> {
  for (;;) {
    const r = await c.lines.next();
    if (r.done) return false;
    const line = r.value;
    if (line.trim() === '') continue;
    const m = HEAD.exec(line);
    if (m) {
      c.t = round3(Number(m[1]) + c.offsetMs);
      c.rest = line.slice(m[0].length);
      return true;
    }
    // not our writer's layout: parse it
    const rec = JSON.parse(line) as { seq?: number; t?: number } & Record<string, unknown>;
    const { seq: _seq, t, ...event } = rec;
    c.t = round3((typeof t === 'number' ? t : 0) + c.offsetMs);
    c.rest = JSON.stringify(event).slice(1);
    return true;
  }
}

/**
 * Merge `parts` into `outFile` (written anew), with `first` records at t 0 ahead of them. Returns how
 * many records the merged trace holds.
 */
export async function mergeTraceParts(parts: readonly TracePart[], outFile: string, first: readonly TraceEvent[] = []): Promise<number> {
  const out = createWriteStream(outFile, { flags: 'w' });
  let seq = 0;
  let buf = '';
  const write = async (text: string): Promise<void> => {
    buf += text;
    if (buf.length < 1 << 16) return;
    const chunk = buf;
    buf = '';
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    for (const e of first) await write(`${JSON.stringify({ seq: seq++, t: 0, ...e })}\n`);
    const cursors: Cursor[] = [];
    for (const p of parts) {
      const c: Cursor = { lines: createInterface({ input: createReadStream(p.file), crlfDelay: Infinity })[Symbol.asyncIterator](), offsetMs: p.offsetMs, t: 0, rest: '' };
      if (await advance(c)) cursors.push(c);
    }
    while (cursors.length > 0) {
      let k = 0;
      for (let i = 1; i < cursors.length; i++) if ((cursors[i] as Cursor).t < (cursors[k] as Cursor).t) k = i;
      const c = cursors[k] as Cursor;
      await write(`{"seq":${seq++},"t":${c.t},${c.rest}\n`);
      if (!(await advance(c))) cursors.splice(k, 1);
    }
    if (buf) out.write(buf);
  } finally {
    out.end();
    await once(out, 'close');
  }
  return seq;
}
