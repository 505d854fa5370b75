/** The result model of a firmware matrix run: every reporter (console, JSON, JUnit, HTML) renders it. */

/**
 * passed / failed: as the plan went; unsupported: the profile lacks what the plan needs (its OCPP
 * version, a feature, or a step failed with cause "unsupported"); expected-failure: failed where
 * matrix.yaml says it fails; unexpected-pass: passed there; error: the harness could not run it.
 */
export type CellStatus = 'passed' | 'failed' | 'unsupported' | 'expected-failure' | 'unexpected-pass' | 'error';

export const CELL_STATUSES: readonly CellStatus[] = ['passed', 'failed', 'unsupported', 'expected-failure', 'unexpected-pass', 'error'];

/** Cell outcomes that make the matrix fail (exit 1; error: exit 3). */
export const UNEXPECTED: readonly CellStatus[] = ['failed', 'unexpected-pass', 'error'];

export interface MatrixCell {
  /** Row key: the plan file as written in matrix.yaml. */
  plan: string;
  profile: string;
  status: CellStatus;
  /** Why: the first failure, the missing feature, the expected-failure reason. */
  reason?: string | undefined;
  /** The cell's report.json and trace, relative to the matrix output folder (absent when it did not run). */
  report?: string | undefined;
  trace?: string | undefined;
  /** Monotonic duration of the plan on the run's clock (virtual ms on the virtual clock). */
  durationMs?: number | undefined;
  /** For a probe: features / blocks declared by the profile vs found by the probe. */
  coverage?: { declared: string[]; found: string[] } | undefined;
}

export interface MatrixProfileInfo {
  id: string;
  file: string;
  vendor: string;
  model: string;
  firmwareVersion: string;
  ocppVersion: '1.6' | '2.0.1';
  features: string[];
  quirks: string[];
  /** Profile fields this build's virtual station could not take (e.g. quirks before the quirk model exists). */
  unapplied: string[];
}

export interface MatrixRow {
  plan: string;
  name: string;
  ocppVersion?: '1.6' | '2.0.1' | undefined;
  probe: boolean;
  testCases: Record<string, string[]>;
}

export type MatrixStatus = 'passed' | 'failed' | 'error' | 'interrupted';

export interface MatrixResult {
  kind: 'chargebench-matrix';
  name: string;
  file: string;
  rig: string;
  seed: number;
  status: MatrixStatus;
  /** Set on a shard's output: which part (cells of other shards are absent). */
  shard?: { index: number; total: number } | undefined;
  profiles: MatrixProfileInfo[];
  rows: MatrixRow[];
  cells: MatrixCell[];
  totals: Record<CellStatus, number>;
  /** Wall-clock fields: the only ones that differ between two runs with the same seed. */
  wall: { startedAt: string; durationMs: number };
}

export function countCells(cells: readonly MatrixCell[]): Record<CellStatus, number> {
  const totals = Object.fromEntries(CELL_STATUSES.map((s) => [s, 0])) as Record<CellStatus, number>;
  for (const c of cells) totals[c.status] += 1;
  return totals;
}

export function matrixStatus(cells: readonly MatrixCell[], interrupted: boolean): MatrixStatus {
  if (interrupted) return 'interrupted';
  if (cells.some((c) => c.status === 'error')) return 'error';
  return cells.some((c) => UNEXPECTED.includes(c.status)) ? 'failed' : 'passed';
}

/** Cells in matrix order: rows, then profiles (what a merge restores). */
export function orderCells(cells: readonly MatrixCell[], rows: readonly MatrixRow[], profiles: readonly MatrixProfileInfo[]): MatrixCell[] {
  const r = new Map(rows.map((x, i) => [x.plan, i]));
  const p = new Map(profiles.map((x, i) => [x.id, i]));
  return [...cells].sort((a, b) => ((r.get(a.plan) ?? 1e9) - (r.get(b.plan) ?? 1e9)) || ((p.get(a.profile) ?? 1e9) - (p.get(b.profile) ?? 1e9)));
}
