import type { Quiescence } from '../core/clock-quiescence.js';
import type { InProcessNetwork } from './in-process-network.js';

const HEAD_RE = /^\s*\[\s*(\d)\s*,\s*"((?:[^"\\]|\\.)*)"/;

/**
 * Pairs each frame written by one in-process endpoint with its handling by the other, so the
 * VirtualClock waits while any frame is on the wire. Only used when every peer is in this process.
 */
export class FrameLedger {
  /** Frames on the wire by key; a key sent twice (a duplicate message id) waits for two handlings. */
  private readonly open = new Map<string, { done: () => void; link: string }[]>();

  /**
   * @param network present when the stations and the CSMS may talk without sockets (in-process
   *   transport); a run that keeps sockets gives none.
   */
  constructor(private readonly quiescence: Quiescence, readonly network?: InProcessNetwork | undefined) {}

  /** A frame left `link`. */
  sent(raw: string, link: string): void {
    const key = frameKey(raw);
    if (!key) return;
    const entry = { done: this.quiescence.begin(`frame ${key} on ${link}`), link };
    const list = this.open.get(key);
    if (list) list.push(entry);
    else this.open.set(key, [entry]);
  }

  /** A frame arrived and is about to be handled. */
  received(raw: string): void {
    const key = frameKey(raw);
    if (!key) return;
    const list = this.open.get(key);
    const entry = list?.shift();
    if (list && list.length === 0) this.open.delete(key);
    entry?.done();
  }

  /** The link closed: frames still on it will never be handled. */
  dropLink(link: string): void {
    for (const [key, list] of this.open) {
      const gone = list.filter((e) => e.link === link);
      if (gone.length === 0) continue;
      const kept = list.filter((e) => e.link !== link);
      if (kept.length) this.open.set(key, kept);
      else this.open.delete(key);
      for (const e of gone) e.done();
    }
  }

  /** Track any other unit of work (a connection being opened, a handler running). */
  begin(label: string): () => void {
    return this.quiescence.begin(label);
  }
}

function frameKey(raw: string): string | undefined {
  const m = HEAD_RE.exec(raw.slice(0, 160));
  return m ? `${m[1]}:${m[2]}` : undefined;
}
