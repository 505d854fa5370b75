import type { Quiescence } from '../core/clock-quiescence.js';

const HEAD_RE = /^\s*\[\s*(\d)\s*,\s*"((?:[^"\\]|\\.)*)"/;

/**
 * Pairs each frame written by one in-process endpoint with its handling by the other, so the
 * VirtualClock waits while any frame is on the wire. Only used when every peer is in this process.
 */
export class FrameLedger {
  private readonly open = new Map<string, { done: () => void; link: string }>();

  constructor(private readonly quiescence: Quiescence) {}

  /** A frame left `link`. */
  sent(raw: string, link: string): void {
    const key = frameKey(raw);
    if (!key) return;
    this.open.set(key, { done: this.quiescence.begin(`frame ${key} on ${link}`), link });
  }

  /** A frame arrived and is about to be handled. */
  received(raw: string): void {
    const key = frameKey(raw);
    if (!key) return;
    const entry = this.open.get(key);
    if (entry) {
      this.open.delete(key);
      entry.done();
    }
  }

  /** The link closed: frames still on it will never be handled. */
  dropLink(link: string): void {
    for (const [key, entry] of this.open) {
      if (entry.link === link) {
        this.open.delete(key);
        entry.done();
      }
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
