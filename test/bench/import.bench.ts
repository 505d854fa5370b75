/**
 * Import memory: generate OCPP-J JSON-lines logs of N lines (100 stations interleaved, CALL +
 * CALLRESULT pairs, one broken line in 10,000, a clock jump), import each in a fresh child
 * process, and report its peak RSS, heap after the import, and lines per second. Bounded memory
 * means the peak does not grow with N.
 *
 *   npm run build && node dist/test/bench/import.bench.js [--n 100000,1000000] [--out out/bench/import.json]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFile } from '../../src/replay/import.js';
import { readFlags } from './cli-flags.js';

function generate(path: string, n: number): void {
  const fd = openSync(path, 'w');
  let buf = '';
  const base = Date.parse('2025-03-14T17:00:00Z');
  for (let i = 0; i < n; i++) {
    const station = `CP${String(i % 100).padStart(3, '0')}`;
    // a clock jump back by an hour half-way
    const ts = new Date(base + i * 50 - (i > n / 2 ? 3_600_000 : 0)).toISOString();
    const id = `m${i >> 1}`;
    let line: string;
    if (i % 10_000 === 9_999) line = '{"timestamp": "cut by logrotate';
    else if (i % 2 === 0) line = JSON.stringify({ timestamp: ts, chargeBoxId: station, direction: 'in', message: [2, id, 'MeterValues', { connectorId: 1, transactionId: i, meterValue: [{ timestamp: ts, sampledValue: [{ value: String(i * 7), measurand: 'Energy.Active.Import.Register' }] }] }] });
    else line = JSON.stringify({ timestamp: ts, chargeBoxId: station, direction: 'out', message: [3, id, {}] });
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

async function child(file: string, out: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const s = await importFile({ input: file, output: out });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const mem = process.memoryUsage();
  process.stdout.write(JSON.stringify({ lines: s.lines, frames: s.frames, skipped: s.skipped, warnings: s.warnings, ms: Math.round(ms), peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1), heapUsedMiB: +(mem.heapUsed / 2 ** 20).toFixed(1) }));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1] as string, argv[2] as string);
  let ns = [100_000, 1_000_000];
  let outFile = 'out/bench/import.json';
  readFlags(argv, (flag, value) => {
    if (flag === '--n') ns = value().split(',').map(Number);
    else if (flag === '--out') outFile = value();
    else throw new Error(`unknown flag ${flag} (use --n 100000,1000000 --out file)`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'cb-import-bench-'));
  const results: unknown[] = [];
  try {
    for (const n of ns) {
      const log = join(dir, `log-${n}.jsonl`);
      generate(log, n);
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', log, join(dir, `trace-${n}.jsonl`)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`import child failed: ${r.stderr}`);
      const res = { n, logMiB: +(statSync(log).size / 2 ** 20).toFixed(1), ...JSON.parse(r.stdout) as object };
      results.push(res);
      process.stdout.write(`${JSON.stringify(res)}\n`);
      rmSync(log);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
}

await main();
