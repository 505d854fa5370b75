import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { JSON_REPORT_FILE, JUNIT_FILE, readReport, renderJson, renderJunit } from '../report/index.js';
import { writeFileAtomic } from '../report/json-report.js';
import { MATRIX_JSON_FILE, readMatrixJson } from '../report/matrix-json.js';
import { mergeMatrixReports } from '../report/merge-matrix.js';
import { mergeRunReports } from '../report/merge-run.js';
import { reportError } from './exit.js';
import { exitCodeForMatrix, writeMatrixOutputs } from './matrix.js';
import { exitCodeForRun } from './run.js';
import { outputDirOption } from './option-checks.js';

/**
 * `chargebench merge-reports <dirs...> --output-dir <dir>`: join the outputs of `run --shard` (each
 * folder holds a report.json) or `matrix --shard` (each holds a matrix.json) into one report of the
 * whole run, with the exit code the whole run would have had.
 */
export function mergeReportsCommand(dirs: string[], opts: { outputDir: string }): number {
  try {
    const problems: string[] = [];
    outputDirOption('--output-dir', opts.outputDir, problems);
    const kinds = dirs.map((d) => (existsSync(join(d, MATRIX_JSON_FILE)) ? 'matrix' : existsSync(join(d, JSON_REPORT_FILE)) ? 'run' : undefined));
    dirs.forEach((d, i) => { if (!kinds[i]) problems.push(`${d}: neither ${MATRIX_JSON_FILE} nor ${JSON_REPORT_FILE} in this folder`); });
    if (new Set(kinds.filter(Boolean)).size > 1) problems.push('some folders hold matrix outputs and some run reports: merge one kind at a time');
    if (problems.length) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
    mkdirSync(opts.outputDir, { recursive: true });
    if (kinds[0] === 'matrix') {
      const merged = mergeMatrixReports(dirs.map((dir) => ({ dir, result: readMatrixJson(join(dir, MATRIX_JSON_FILE)) })), opts.outputDir);
      writeMatrixOutputs(merged, opts.outputDir);
      return exitCodeForMatrix(merged);
    }
    const merged = mergeRunReports(dirs.map((dir) => ({ dir, result: readReport(join(dir, JSON_REPORT_FILE)) })), opts.outputDir);
    writeFileAtomic(join(opts.outputDir, JSON_REPORT_FILE), renderJson(merged));
    writeFileAtomic(join(opts.outputDir, JUNIT_FILE), renderJunit(merged));
    process.stdout.write(`merged ${dirs.length} report(s), ${merged.plans.length} plan(s): ${merged.status}\nreport: ${join(opts.outputDir, JSON_REPORT_FILE)}\n`);
    return exitCodeForRun(merged);
  } catch (err) {
    return reportError(err);
  }
}
