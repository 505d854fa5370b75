/**
 * The open-file limit a process of ours gets. Node raises its soft RLIMIT_NOFILE to the hard limit at
 * start-up, so a child node process sees what this one sees in /proc/self/limits.
 */
import { readFileSync } from 'node:fs';

/** Soft "Max open files" from a /proc/<pid>/limits text; undefined when absent or unlimited. */
export function parseMaxOpenFiles(limitsText: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limitsText);
  if (!m || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

/** This process's open-file limit; 1024 (the usual default) where /proc is not there to ask. */
export function openFileLimit(): number {
  try {
    return parseMaxOpenFiles(readFileSync('/proc/self/limits', 'utf8')) ?? 1_048_576;
  } catch {
    return 1024;
  }
}
