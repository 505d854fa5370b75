import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { JsonReporter, readReport } from '../report/index.js';
import { renderMatrixTable } from '../report/matrix-console.js';
import { renderMatrixHtml } from '../report/matrix-html.js';
import { writeMatrixJson } from '../report/matrix-json.js';
import { renderMatrixJunit } from '../report/matrix-junit.js';
import { writeFileAtomic } from '../report/json-report.js';
import type { MatrixResult } from '../runner/matrix-model.js';
import { EXIT, reportError } from './exit.js';
import { outputDirOption, positiveNumberOption, seedOption, shardOption } from './option-checks.js';

export const MATRIX_JUNIT_FILE = 'matrix-junit.xml';
export const MATRIX_HTML_FILE = 'matrix.html';

export interface MatrixCommandOptions {
  outputDir: string;
  shard?: string | undefined;
  seed?: string | undefined;
  budgetScale: string;
}

/** Write the four outputs of a matrix (or a merged one): matrix.json, matrix-junit.xml, matrix.html; print the table. */
export function writeMatrixOutputs(m: MatrixResult, outputDir: string): void {
  try {
    writeMatrixJson(outputDir, m);
    writeFileAtomic(join(outputDir, MATRIX_JUNIT_FILE), renderMatrixJunit(m));
    writeFileAtomic(join(outputDir, MATRIX_HTML_FILE), renderMatrixHtml(m));
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError(ERROR_CODES.OUTPUT_IO, `${outputDir}: cannot write the matrix: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: outputDir }, { cause: err });
  }
  process.stdout.write(renderMatrixTable(m));
  process.stdout.write(`matrix: ${join(outputDir, 'matrix.json')}, ${join(outputDir, MATRIX_JUNIT_FILE)}, ${join(outputDir, MATRIX_HTML_FILE)}\n`);
}

/** 0: every cell as expected; 1: a cell failed or passed unexpectedly; 3: a cell the harness could not run; 130: interrupted. */
export function exitCodeForMatrix(m: MatrixResult): number {
  switch (m.status) {
    case 'passed': return EXIT.PASSED;
    case 'failed': return EXIT.FAILED;
    case 'interrupted': return EXIT.INTERRUPTED;
    case 'error': return EXIT.INFRA;
  }
}

/** `chargebench matrix <matrix.yaml>`: plans x firmware profiles, each cell a run on the profile-configured rig. */
export async function matrixCommand(file: string, opts: MatrixCommandOptions): Promise<number> {
  const problems: string[] = [];
  const budgetScale = positiveNumberOption('--budget-scale', opts.budgetScale, problems, { max: 1000, example: '1.5' });
  const seed = seedOption(opts.seed, problems);
  outputDirOption('--output-dir', opts.outputDir, problems);
  const shard = shardOption(opts.shard, problems);
  if (problems.length) return reportError(new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems }));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED);
    process.stderr.write(`chargebench: ${signal}: interrupting the matrix (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { runMatrix } = await import('../runner/matrix.js');
    const m = await runMatrix({
      file, outputDir: opts.outputDir, shard, seed, budgetScale, signal: controller.signal,
      cellReporters: (dir) => [new JsonReporter(dir)],
      onCell: (c, done, total) => process.stderr.write(`[${done}/${total}] ${c.plan} x ${c.profile}: ${c.status}\n`),
    });
    writeMatrixOutputs(m, opts.outputDir);
    return exitCodeForMatrix(m);
  } catch (err) {
    return reportError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `chargebench draft-profile <report.json> --id <id> [--out file]`: a draft firmware profile from a probe's report. */
export async function draftProfileCommand(report: string, opts: { id: string; out?: string | undefined }): Promise<number> {
  try {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(opts.id)) throw new HarnessError(ERROR_CODES.USAGE, `--id: lower-case letters, digits and ._- only, got ${JSON.stringify(opts.id)}`);
    const { draftProfileYaml } = await import('../report/matrix-draft-profile.js');
    const text = draftProfileYaml(readReport(report), report, opts.id);
    if (opts.out) {
      try {
        writeFileSync(opts.out, text);
      } catch (err) {
        throw new HarnessError(ERROR_CODES.OUTPUT_IO, `--out ${opts.out}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: opts.out });
      }
      process.stdout.write(`wrote ${opts.out}\n`);
    } else {
      process.stdout.write(text);
    }
    return EXIT.PASSED;
  } catch (err) {
    return reportError(err);
  }
}
