import { wireCaptureProblem } from '../transport/wire-capture.js';
import { createInterface } from 'node:readline/promises';
import { durationProblem, parseDuration } from '../core/duration.js';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { createReporters, JsonReporter, JunitReporter, parseReporterNames } from '../report/index.js';
import type { RunResult } from '../runner/results.js';
import { parseParamFlags } from '../plan/params.js';
import { EXIT, reportError } from './exit.js';
import { outputDirOption, positiveNumberOption, seedOption, shardOption } from './option-checks.js';
import { inShard, planKey, type Shard } from '../runner/shard.js';
import type { PolicyName } from '../../emulators/csms/policies/types.js';
import { parsePolicies, runPolicies, writeScorecards } from './run-policies.js';

/** The `run` command's options as commander hands them over (strings, defaults applied). */
export interface RunCommandOptions {
  rig: string;
  reporter: string;
  outputDir: string;
  seed?: string | undefined;
  grep?: string | undefined;
  budgetScale: string;
  param?: string[] | undefined;
  continue?: boolean | undefined;
  shard?: string | undefined;
  policies?: string | undefined;
  pauseBetweenPlans?: string | undefined;
  workers?: string | undefined;
  loadStations?: string | undefined;
  busyPoll?: boolean | undefined;
  wireCapture?: string | undefined;
}

/** The options after validation, in the shape `runPlans` takes (minus plans and signal). */
export interface ValidatedRunOptions {
  rig: string;
  reporters: string[];
  outputDir: string;
  seed?: number | undefined;
  grep?: string | undefined;
  budgetScale: number;
  params: Record<string, string>;
  continueOnFailure: boolean;
  shard?: Shard | undefined;
  policies?: PolicyName[] | undefined;
  /** --pause-between-plans (ms), overriding the rig's teardown.pauseBetweenPlans. */
  pauseBetweenPlansMs?: number | undefined;
  /** --workers N --load-stations <selector>: the load in worker processes, the CSMS in its own. */
  workers?: { workers: number; loadStations: string } | undefined;
  /** --busy-poll: the plans' real clock keeps this process's loop polling (RealClock.keepAwake). */
  busyPoll: boolean;
  /** --wire-capture <iface>: time frame-to-frame budgets on a tshark capture of this interface. */
  wireCapture?: string | undefined;
}

function usage(message: string, details: Record<string, unknown> = {}): HarnessError {
  return new HarnessError(ERROR_CODES.USAGE, message, details);
}

/** Check the flags; every problem is listed at once (a HarnessError USAGE, exit 2). */
export function validateRunOptions(opts: RunCommandOptions): ValidatedRunOptions {
  const problems: string[] = [];
  const budgetScale = positiveNumberOption('--budget-scale', opts.budgetScale, problems, { max: 1000, example: '1.5' });
  const seed = seedOption(opts.seed, problems);
  if (opts.grep !== undefined) {
    try {
      new RegExp(opts.grep);
    } catch (err) {
      problems.push(`--grep: not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const reporters = parseReporterNames(opts.reporter);
  try {
    createReporters(reporters, opts.outputDir); // validates the names; creating one writes nothing
  } catch (err) {
    problems.push(`--reporter: ${(err as Error).message}`);
  }
  outputDirOption('--output-dir', opts.outputDir, problems);
  let params: Record<string, string> = {};
  try {
    params = parseParamFlags(opts.param ?? []);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const shard = shardOption(opts.shard, problems);
  const policies = opts.policies === undefined ? undefined : parsePolicies(opts.policies, problems);
  if (policies && shard) problems.push('--policies and --shard: give one or the other');
  let pauseBetweenPlansMs: number | undefined;
  if (opts.pauseBetweenPlans !== undefined) {
    const problem = durationProblem(opts.pauseBetweenPlans);
    if (problem) problems.push(`--pause-between-plans: ${problem}`);
    else pauseBetweenPlansMs = parseDuration(opts.pauseBetweenPlans);
  }
  let workers: ValidatedRunOptions['workers'];
  if (opts.workers !== undefined || opts.loadStations !== undefined) {
    const n = Number(opts.workers);
    if (opts.workers === undefined || opts.loadStations === undefined) problems.push('--workers and --load-stations go together: --workers N puts the stations --load-stations names in N worker processes');
    else if (!Number.isInteger(n) || n < 1 || n > 64) problems.push(`--workers: a whole number from 1 to 64, got ${JSON.stringify(opts.workers)}`);
    else workers = { workers: n, loadStations: opts.loadStations };
    if (policies) problems.push('--workers and --policies: give one or the other');
  }
  if (opts.wireCapture !== undefined) {
    const problem = wireCaptureProblem(opts.wireCapture);
    if (problem) problems.push(`--wire-capture: ${problem}`);
  }
  if (problems.length > 0) throw usage(problems.join('\n'), { problems });
  return {
    workers, rig: opts.rig, reporters, outputDir: opts.outputDir, seed, grep: opts.grep, budgetScale, params, continueOnFailure: opts.continue === true, shard, policies, pauseBetweenPlansMs, busyPoll: opts.busyPoll === true, wireCapture: opts.wireCapture };
}

/** Exit code for a finished run: 0 passed, 1 a test failed, 3 a plan the harness could not run, 130 interrupted. */
export function exitCodeForRun(result: RunResult): number {
  switch (result.status) {
    case 'passed':
      return EXIT.PASSED;
    case 'failed':
      return EXIT.FAILED;
    case 'interrupted':
      return EXIT.INTERRUPTED;
    case 'error':
      return EXIT.INFRA;
  }
}

/** Ask on the console and resolve when the operator presses Enter. */
async function askOperator(question: string, signal: AbortSignal): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    await rl.question(`? ${question} `, { signal });
  } finally {
    rl.close();
  }
}

/**
 * `chargebench run <plans...> --rig <rig>`: validate the flags, run the plans with an AbortSignal
 * wired to SIGINT/SIGTERM (the runner tears the rig down and reports `interrupted`; a second signal
 * exits at once), and map the result to the exit code.
 */
export async function runCommand(plans: string[], opts: RunCommandOptions): Promise<number> {
  let v: ValidatedRunOptions;
  try {
    v = validateRunOptions(opts);
  } catch (err) {
    return reportError(err);
  }
  const reporters = createReporters(v.reporters, v.outputDir, process.stdout);

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`chargebench: ${signal} again: exiting without teardown\n`);
      process.exit(EXIT.INTERRUPTED);
    }
    process.stderr.write(`chargebench: ${signal}: interrupting, tearing the rig down (send it again to exit at once)\n`);
    const reason = new Error(`interrupted by ${signal}`);
    reason.name = 'AbortError';
    controller.abort(reason);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Loaded only once the flags are valid: the runner pulls in the emulators and the transports.
    const { runPlans } = await import('../runner/run.js');
    // plans that list OCTT cases (`cases:`) get case verdicts after the run (printed with list, cases.json with json)
    const { casesReporterFor } = await import('../report/cases-reporter.js');
    reporters.push(...casesReporterFor(v.reporters, v.outputDir, process.stdout));
    // A rig with the prompt trigger adapter asks the operator; only possible on an interactive console.
    const ask = process.stdin.isTTY ? (q: string) => askOperator(q, controller.signal) : undefined;
    if (v.policies) {
      // once per scheduling policy, then the site scorecard side by side
      const runs = await runPolicies(v.policies, { plans, rig: v.rig, outputDir: v.outputDir, seed: v.seed, grep: v.grep, budgetScale: v.budgetScale, signal: controller.signal, ask, params: v.params, continueOnFailure: v.continueOnFailure, pauseBetweenPlansMs: v.pauseBetweenPlansMs, busyPoll: v.busyPoll, wireCapture: v.wireCapture }, v.reporters);
      if (controller.signal.aborted) return EXIT.INTERRUPTED;
      await writeScorecards(runs, v.outputDir);
      return Math.max(...runs.map((r) => exitCodeForRun(r.result)));
    }
    // --shard i/n: this machine's plans, by a stable hash of each plan file's path
    const mine = inShard(plans, (f) => planKey(f), v.shard);
    if (v.shard) process.stderr.write(`chargebench: shard ${v.shard.index}/${v.shard.total}: ${mine.length} of ${plans.length} plan(s)\n`);
    const shard = v.shard ? { index: v.shard.index, total: v.shard.total, planOrder: plans } : undefined;
    const result = await runPlans(
      { plans: mine, shard, rig: v.rig, outputDir: v.outputDir, seed: v.seed, grep: v.grep, budgetScale: v.budgetScale, signal: controller.signal, ask, params: v.params, continueOnFailure: v.continueOnFailure, pauseBetweenPlansMs: v.pauseBetweenPlansMs, workers: v.workers, busyPoll: v.busyPoll, wireCapture: v.wireCapture },
      reporters,
    );
    if (v.reporters.includes('list')) {
      for (const r of reporters) {
        if (r instanceof JsonReporter || r instanceof JunitReporter) process.stdout.write(`report: ${r.path}\n`);
      }
    }
    return controller.signal.aborted ? EXIT.INTERRUPTED : exitCodeForRun(result);
  } catch (err) {
    if (controller.signal.aborted) {
      // The runner gave up with the abort itself: nothing more to say than that.
      if (err === controller.signal.reason) process.stderr.write(`chargebench: ${(err as Error).message}\n`);
      else reportError(err);
      return EXIT.INTERRUPTED;
    }
    return reportError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
