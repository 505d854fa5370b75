/**
 * `chargebench run <plans> --rig <rig> --policies fcfs,commitment`: the same plans once per
 * scheduling policy of the built-in CSMS (the rig's `csms.scheduling.policy` set for each run, the
 * seed unchanged), each run's reports under <output-dir>/<policy>/, then the site scorecard of the
 * runs side by side, computed from their traces (scorecard.txt and scorecard.json next to them).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { POLICY_NAMES, type PolicyName } from '../../emulators/csms/policies/types.js';
import { parseYamlValue, readInputFile } from '../plan/load-yaml.js';
import { createReporters } from '../report/index.js';
import { readTraceModel } from '../report/metrics/trace-model.js';
import { computeSiteMetrics, type SiteMetrics } from '../report/metrics/site-metrics.js';
import { formatScorecard } from '../report/scorecard.js';
import { renderScorecardHtml } from '../report/scorecard-html.js';
import { siteSeries, type SiteSeries } from '../report/metrics/series.js';
import type { RunOptions } from '../runner/run.js';
import type { RunResult } from '../runner/results.js';

/** The policy names of --policies, or a USAGE problem. */
export function parsePolicies(text: string, problems: string[]): PolicyName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(POLICY_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length) problems.push(`--policies: expected a comma-separated list of ${POLICY_NAMES.join(', ')}; got ${JSON.stringify(text)}`);
  if (new Set(names).size !== names.length) problems.push(`--policies: a policy is listed twice: ${text}`);
  return names as PolicyName[];
}

export interface PolicyRun { policy: PolicyName; result: RunResult }

export async function runPolicies(policies: PolicyName[], o: Omit<RunOptions, 'rigValue'>, reporterNames: string[]): Promise<PolicyRun[]> {
  const raw = parseYamlValue(readInputFile(o.rig, ERROR_CODES.RIG_INVALID), o.rig, ERROR_CODES.RIG_INVALID) as { csms?: Record<string, unknown> } | null;
  if (!raw?.csms) throw new HarnessError(ERROR_CODES.USAGE, `--policies: ${o.rig} has no csms section: the policies are the built-in CSMS's (an external CSMS is scored with \`chargebench metrics\` on its traces)`, { rig: o.rig });
  const { runPlans } = await import('../runner/run.js');
  const runs: PolicyRun[] = [];
  for (const policy of policies) {
    if (o.signal?.aborted) break;
    const rigValue = structuredClone(raw) as { csms: Record<string, unknown> };
    rigValue.csms.scheduling = { ...(rigValue.csms.scheduling as Record<string, unknown> | undefined), policy };
    process.stdout.write(`\n== policy ${policy} ==\n`);
    const outputDir = join(o.outputDir, policy);
    const result = await runPlans({ ...o, outputDir, rigValue }, createReporters(reporterNames, outputDir, process.stdout));
    runs.push({ policy, result });
  }
  return runs;
}

/** The scorecard of each plan over the policies' runs: printed, and written to the output folder. */
export async function writeScorecards(runs: PolicyRun[], outputDir: string): Promise<void> {
  const nPlans = runs[0]?.result.plans.length ?? 0;
  const all: { plan: string; runs: { label: string; metrics: SiteMetrics }[] }[] = [];
  const text: string[] = [];
  const html: string[] = [];
  for (let i = 0; i < nPlans; i++) {
    const cols: { label: string; metrics: SiteMetrics; series: SiteSeries }[] = [];
    for (const r of runs) {
      const p = r.result.plans[i];
      if (!p?.trace) continue;
      const model = await readTraceModel(p.trace);
      cols.push({ label: r.policy, metrics: computeSiteMetrics(model), series: siteSeries(model) });
    }
    const name = runs[0]?.result.plans[i]?.file ?? `plan ${i + 1}`;
    all.push({ plan: name, runs: cols.map((c) => ({ label: c.label, metrics: c.metrics })) });
    text.push('', `${name}`, ...formatScorecard(cols));
    html.push(renderScorecardHtml(`Site scorecard: ${name}`, cols));
  }
  process.stdout.write(`${text.join('\n')}\n`);
  try {
    writeFileSync(join(outputDir, 'scorecard.txt'), `${text.join('\n').trimStart()}\n`);
    writeFileSync(join(outputDir, 'scorecard.json'), `${JSON.stringify(all, null, 2)}\n`);
    html.forEach((page, i) => writeFileSync(join(outputDir, i === 0 ? 'scorecard.html' : `scorecard-${i + 1}.html`), page));
  } catch (err) {
    throw new HarnessError(ERROR_CODES.OUTPUT_IO, `${outputDir}: cannot write the scorecard: ${(err as Error).message}`, { outputDir });
  }
}
