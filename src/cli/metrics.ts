/**
 * `chargebench metrics <trace...>`: the three site metrics of one or more runs from their traces
 * alone (so an external control stack is scored the same way), side by side with the differences.
 */
import { writeFileSync } from 'node:fs';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { loadYamlFile } from '../plan/load-yaml.js';
import { TariffSchema, type Tariff } from '../plan/scenario-schema.js';
import { readTraceModel } from '../report/metrics/trace-model.js';
import { computeSiteMetrics, type SiteMetrics } from '../report/metrics/site-metrics.js';
import { formatScorecard } from '../report/scorecard.js';
import { renderScorecardHtml } from '../report/scorecard-html.js';
import { siteSeries, type SiteSeries } from '../report/metrics/series.js';
import { EXIT, reportError } from './exit.js';

export interface MetricsCommandOptions {
  tariff?: string | undefined;
  kva?: string | undefined;
  label?: string | undefined;
  json?: string | undefined;
  html?: string | undefined;
}

export async function metricsCommand(traces: string[], opts: MetricsCommandOptions): Promise<number> {
  try {
    const problems: string[] = [];
    const kva = opts.kva === undefined ? undefined : Number(opts.kva);
    if (kva !== undefined && !(kva > 0)) problems.push(`--kva: expected a positive number of kVA, got ${JSON.stringify(opts.kva)}`);
    const labels = opts.label ? opts.label.split(',').map((s) => s.trim()) : traces.map((t, i) => (traces.length === 1 ? 'run' : `run${i + 1}`));
    if (labels.length !== traces.length) problems.push(`--label: ${labels.length} labels for ${traces.length} traces`);
    if (problems.length) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
    const tariff: Tariff | undefined = opts.tariff ? loadYamlFile(opts.tariff, TariffSchema, ERROR_CODES.USAGE) : undefined;
    const runs: { label: string; metrics: SiteMetrics; series: SiteSeries }[] = [];
    for (const [i, file] of traces.entries()) {
      const model = await readTraceModel(file);
      runs.push({ label: labels[i] as string, metrics: computeSiteMetrics(model, { tariff, kva }), series: siteSeries(model, tariff) });
    }
    process.stdout.write(`${formatScorecard(runs).join('\n')}\n`);
    const write = (flag: string, file: string, text: string): void => {
      try {
        writeFileSync(file, text);
      } catch (err) {
        throw new HarnessError(ERROR_CODES.OUTPUT_IO, `${flag} ${file}: ${(err as Error).message}`, { file });
      }
    };
    if (opts.json) write('--json', opts.json, `${JSON.stringify(runs.map((r) => ({ label: r.label, metrics: r.metrics })), null, 2)}\n`);
    if (opts.html) write('--html', opts.html, renderScorecardHtml('Site scorecard', runs));
    return EXIT.PASSED;
  } catch (err) {
    return reportError(err);
  }
}
