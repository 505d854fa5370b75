import { writeFileSync } from 'node:fs';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { eachTraceLine } from '../core/trace-read.js';
import { candumpLine } from '../transport/can/candump.js';
import { EXIT, reportError } from './exit.js';

/**
 * `chargebench trace export --format candump <trace>`: the CAN frames of a JSONL trace as a candump
 * log (can-utils, python-can). Timestamps are the trace's monotonic seconds plus `--start`.
 */
export async function traceExportCommand(file: string, opts: { format: string; out?: string; start: string }): Promise<number> {
  if (opts.format !== 'candump') return reportError(new HarnessError(ERROR_CODES.USAGE, `--format ${opts.format}: the only export format is candump`));
  const start = Number(opts.start);
  if (!Number.isFinite(start) || start < 0) return reportError(new HarnessError(ERROR_CODES.USAGE, `--start ${opts.start}: expected epoch seconds (a number >= 0)`));
  const lines: string[] = [];
  try {
    // either trace form (full or compact, plain or gzip)
    await eachTraceLine(file, (text, n) => {
      if (!text.includes('"kind":"can"')) return;
      let rec: { kind?: string; t?: number; bus?: string; id?: number; extended?: boolean; rtr?: boolean; data?: string };
      try {
        rec = JSON.parse(text) as typeof rec;
      } catch {
        throw new HarnessError(ERROR_CODES.USAGE, `${file}:${n}: not a JSON trace record`, { file, line: n });
      }
      if (rec.kind !== 'can') return;
      if (typeof rec.id !== 'number' || typeof rec.t !== 'number' || typeof rec.data !== 'string' || !/^([0-9A-Fa-f]{2})*$/.test(rec.data)) {
        throw new HarnessError(ERROR_CODES.USAGE, `${file}:${n}: CAN record without id, t or hex data`, { file, line: n });
      }
      lines.push(candumpLine(start + rec.t / 1000, rec.bus ?? 'can0', { id: rec.id, extended: !!rec.extended, rtr: !!rec.rtr, data: Buffer.from(rec.data, 'hex') }));
    });
  } catch (err) {
    if (isHarnessError(err) && /: (not a JSON trace record|CAN record without)/.test(err.message)) return reportError(err);
    const cause = (isHarnessError(err) && err.cause ? err.cause : err) as NodeJS.ErrnoException;
    return reportError(new HarnessError(ERROR_CODES.USAGE, `${file}: cannot read the trace: ${cause.code ?? cause.message}`, { file }, { cause }));
  }
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  try {
    if (opts.out) writeFileSync(opts.out, text);
    else process.stdout.write(text);
  } catch (err) {
    return reportError(new HarnessError(ERROR_CODES.OUTPUT_IO, `--out ${opts.out}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: opts.out }, { cause: err }));
  }
  if (opts.out) process.stderr.write(`wrote ${lines.length} CAN frames to ${opts.out}\n`);
  return EXIT.PASSED;
}
