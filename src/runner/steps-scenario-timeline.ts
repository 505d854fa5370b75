/** The scenario's agenda: actions due at plan times, in (time, insertion) order. */
export interface Due {
  t: number;
  seq: number;
  what: string;
  run: () => void | Promise<void>;
}

export class Agenda {
  private readonly items: Due[] = [];
  private seq = 0;

  /** Add an action due at `t` (ms from the scenario's start). */
  at(t: number, what: string, run: Due['run']): void {
    const item = { t, seq: this.seq++, what, run };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid] as Due;
      if (m.t < t || (m.t === t && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  next(): Due | undefined {
    return this.items.shift();
  }

  peekT(): number | undefined {
    return this.items[0]?.t;
  }

  get size(): number {
    return this.items.length;
  }
}
