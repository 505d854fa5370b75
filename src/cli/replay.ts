/**
 * `chargebench replay <trace> --rig <rig>`: re-send what the recorded stations sent to the rig's
 * control stack (its built-in CSMS, or an external csmsUrl / --csms-url) and diff the answers.
 * A field log that is not yet a chargebench trace is imported first (into the output folder).
 * Exit 0: the same as in the field; 1: differences; 2: bad input; 3: infrastructure.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../core/clock.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { JsonlTrace } from '../core/trace.js';
import { loadRigFile } from '../plan/load-rig.js';
import { importFile } from '../replay/import.js';
import { buildReport, formatReport, writeReport } from '../replay/replay-report.js';
import { replayStations } from '../replay/replay-run.js';
import { loadTrace } from '../replay/script.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { RngFactory } from '../core/rng.js';
import { EXIT, reportError } from './exit.js';
import { importOptionsFrom, summaryLine, type ImportFlags } from './import.js';
import { outputDirOption, positiveNumberOption } from './option-checks.js';

export interface ReplayFlags extends ImportFlags {
  rig: string;
  speed: string;
  stations?: string | undefined;
  csmsUrl?: string | undefined;
  outputDir: string;
  answerTimeout: string;
  settle: string;
  timingTolerance: string;
  ignore?: string | undefined;
}

/** True when the file is already `chargebench import` output. */
export function isImportedTrace(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return /^\{"seq":0,"t":0,"kind":"note","message":"imported"/.test(buf.subarray(0, n).toString('utf8'));
  } catch (err) {
    throw new HarnessError(ERROR_CODES.USAGE, `cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A trace ready to replay: the file itself, or its import into `dir`. */
export async function importedTrace(input: string, dir: string, f: ImportFlags): Promise<string> {
  if (isImportedTrace(input)) return input;
  const out = join(dir, 'imported.jsonl');
  const summary = await importFile(importOptionsFrom(input, out, f, (s) => process.stderr.write(s)));
  process.stderr.write(summaryLine(summary));
  return out;
}

export async function replayCommand(input: string, f: ReplayFlags): Promise<number> {
  let csms: EmulatedCsms | undefined;
  let trace: JsonlTrace | undefined;
  try {
    const problems: string[] = [];
    const speed = f.speed === 'max' ? 'max' : positiveNumberOption('--speed', f.speed, problems, { max: 1_000_000, example: '1, 10 or max' });
    const answerTimeoutMs = positiveNumberOption('--answer-timeout', f.answerTimeout, problems, { max: 3600 }) * 1000;
    const settleMs = positiveNumberOption('--settle', f.settle, problems, { max: 3600 }) * 1000;
    const tol = Number(f.timingTolerance);
    if (!Number.isFinite(tol) || tol < 0) problems.push(`--timing-tolerance: milliseconds, 0 or more; got ${JSON.stringify(f.timingTolerance)}`);
    outputDirOption('--output-dir', f.outputDir, problems);
    if (problems.length) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
    const rig = loadRigFile(f.rig);
    const path = await importedTrace(input, f.outputDir, f);
    const only = f.stations ? new Set(f.stations.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
    const loaded = await loadTrace(path);
    const known = loaded.stations.map((s) => s.identity);
    const unknown = only ? [...only].filter((s) => !known.includes(s)) : [];
    if (unknown.length) throw new HarnessError(ERROR_CODES.USAGE, `--stations: ${unknown.join(', ')} not in ${path} (stations: ${known.join(', ')})`, { unknown });
    const stations = only ? loaded.stations.filter((s) => only.has(s.identity)) : loaded.stations;
    const clock = new RealClock();
    trace = new JsonlTrace(clock, join(f.outputDir, 'replay-trace.jsonl'));
    let url = f.csmsUrl ?? rig.evses.find((e) => e.csmsUrl)?.csmsUrl;
    if (!f.csmsUrl && rig.csms) {
      csms = await EmulatedCsms.start(rig.csms, { clock, trace, rng: new RngFactory(rig.seed).stream('csms') });
      url = csms.url;
    }
    if (!url) throw new HarnessError(ERROR_CODES.RIG_INVALID, `${f.rig}: no control stack to replay against: the rig has no csms section and no evse csmsUrl (or give --csms-url)`, { rig: f.rig });
    const t0 = clock.now();
    const outcomes = await replayStations({
      url, stations, speed, clock, trace, answerTimeoutMs, settleMs, timingToleranceMs: tol,
      ignore: new Set((f.ignore ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    });
    const report = buildReport({ source: input, target: csms ? `built-in CSMS of ${f.rig} (${url})` : url, speed, timingToleranceMs: tol, trace: trace.path, stations: outcomes, durationMs: Math.round(clock.now() - t0) });
    const reportPath = join(f.outputDir, 'replay.json');
    writeReport(reportPath, report);
    process.stdout.write(formatReport(report));
    process.stdout.write(`report: ${reportPath}\n`);
    return report.status === 'same' ? EXIT.PASSED : EXIT.FAILED;
  } catch (err) {
    return reportError(err);
  } finally {
    await csms?.close();
    trace?.close();
  }
}
