/**
 * 2.0.1 TransactionEvent seqNo book-keeping in ranges, so that its size depends on how many gaps a
 * station leaves, never on the numbers it sends (seqNo 1000000000 after 0 is one missing range).
 * Both range lists are capped at MAX_SEQ_RANGES: past that, the lowest ranges are merged (received)
 * or forgotten and counted (missing). Pure.
 */

/** Consecutive seqNos `from`..`to`, both included. */
export interface SeqRange {
  from: number;
  to: number;
}

export interface SeqNoState {
  /** seqNos received, as sorted disjoint ranges. */
  receivedSeqNos: SeqRange[];
  /** seqNos skipped and not (yet) received, as sorted disjoint ranges. */
  missingSeqNos: SeqRange[];
  /** Missing ranges forgotten because of MAX_SEQ_RANGES. */
  missingRangesDropped: number;
  seqNoCount: number;
  maxSeqNo: number | undefined;
}

export const MAX_SEQ_RANGES = 1000;

export function newSeqNoState(): SeqNoState {
  return { receivedSeqNos: [], missingSeqNos: [], missingRangesDropped: 0, seqNoCount: 0, maxSeqNo: undefined };
}

/** Index of the first range whose `to` is >= n (binary search). */
function lowerBound(ranges: readonly SeqRange[], n: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.to < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function inRanges(ranges: readonly SeqRange[], n: number): boolean {
  const r = ranges[lowerBound(ranges, n)];
  return r !== undefined && r.from <= n;
}

/** Add `from`..`to` (disjoint from what is there, or touching it) and merge neighbours. */
export function addRange(ranges: SeqRange[], from: number, to: number): void {
  const i = lowerBound(ranges, from - 1);
  const next = ranges[i];
  if (next && next.from <= to + 1) {
    next.from = Math.min(next.from, from);
    next.to = Math.max(next.to, to);
    const after = ranges[i + 1];
    if (after && after.from <= next.to + 1) {
      next.to = Math.max(next.to, after.to);
      ranges.splice(i + 1, 1);
    }
    return;
  }
  ranges.splice(i, 0, { from, to });
}

/** Remove one number from the ranges (splitting a range when it lies inside). */
export function removeNumber(ranges: SeqRange[], n: number): void {
  const i = lowerBound(ranges, n);
  const r = ranges[i];
  if (!r || r.from > n) return;
  if (r.from === r.to) ranges.splice(i, 1);
  else if (n === r.from) r.from++;
  else if (n === r.to) r.to--;
  else ranges.splice(i, 1, { from: r.from, to: n - 1 }, { from: n + 1, to: r.to });
}

export function formatRanges(ranges: readonly SeqRange[]): string {
  return ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}..${r.to}`)).join(', ');
}

function cap(s: SeqNoState): void {
  while (s.receivedSeqNos.length > MAX_SEQ_RANGES) {
    const [a, b] = s.receivedSeqNos as [SeqRange, SeqRange];
    s.receivedSeqNos.splice(0, 2, { from: a.from, to: b.to });
  }
  if (s.missingSeqNos.length > MAX_SEQ_RANGES) {
    const excess = s.missingSeqNos.length - MAX_SEQ_RANGES;
    s.missingSeqNos.splice(0, excess);
    s.missingRangesDropped += excess;
  }
}

export type SeqNoFinding =
  | { kind: 'seq-duplicate' | 'seq-start' | 'seq-out-of-order' | 'seq-gap'; detail: string }
  | undefined;

/** Record `seqNo`; returns what it reveals (a duplicate, a gap, a late arrival, a bad start). */
export function recordSeqNo(s: SeqNoState, seqNo: number, isStart: boolean): SeqNoFinding {
  if (inRanges(s.receivedSeqNos, seqNo)) return { kind: 'seq-duplicate', detail: `seqNo ${seqNo} received again` };
  const max = s.maxSeqNo;
  s.seqNoCount++;
  addRange(s.receivedSeqNos, seqNo, seqNo);
  s.maxSeqNo = max === undefined ? seqNo : Math.max(max, seqNo);
  let finding: SeqNoFinding;
  if (max === undefined) {
    finding = isStart && seqNo !== 0 ? { kind: 'seq-start', detail: `Started with seqNo ${seqNo}, expected 0` } : undefined;
  } else if (seqNo > max + 1) {
    addRange(s.missingSeqNos, max + 1, seqNo - 1);
    finding = { kind: 'seq-gap', detail: `seqNo ${seqNo} after ${max}: missing ${formatRanges([{ from: max + 1, to: seqNo - 1 }])}` };
  } else if (seqNo < max) {
    removeNumber(s.missingSeqNos, seqNo);
    finding = { kind: 'seq-out-of-order', detail: `seqNo ${seqNo} arrived after ${max}` };
  }
  cap(s);
  return finding;
}
