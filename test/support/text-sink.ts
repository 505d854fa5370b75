/** A writable that collects what a reporter prints; `isTTY` (and `columns`) to exercise colours and the live line. */
export interface TextSink {
  write(s: string): boolean;
  isTTY: boolean;
  columns?: number | undefined;
  text: string;
}

export function sink(isTTY = false, columns?: number): TextSink {
  return { isTTY, columns, text: '', write(s: string) { this.text += s; return true; } };
}

/** Replace every rendered time ("850ms", "1.23s", "4m30s") so snapshots do not depend on timing. */
export const normaliseTimes = (s: string): string => s.replace(/(?<=[ (])(?:\d+(?:\.\d+)?(?:ms|s)|\d+m(?:\d+(?:\.\d+)?s)?)\b/g, '<t>');
