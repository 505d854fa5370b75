/**
 * The conformance reporter: when a run's plans list OCTT test cases (`cases:`), each case gets a
 * verdict (src/report/case-verdicts.ts), printed after the run and written to cases.json next to
 * report.json. Runs whose plans list no case see nothing of it.
 */
import { join } from 'node:path';
import type { Case } from '../plan/cases-schema.js';
import { loadRigFile } from '../plan/load-rig.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Reporter } from '../runner/reporter.js';
import type { PlanResult, RunResult } from '../runner/results.js';
import { type CaseVerdict, FAILING_VERDICTS, caseVerdict, countVerdicts, formatCaseVerdicts, type RigOffers, rigOffers } from './case-verdicts.js';
import { writeFileAtomic } from './json-report.js';
import type { OutStream } from './list-reporter.js';

export const CASES_REPORT_FILE = 'cases.json';

export interface CasesReport {
  rig: string;
  status: 'passed' | 'failed';
  counts: ReturnType<typeof countVerdicts>;
  cases: CaseVerdict[];
}

export function renderCasesReport(rig: string, verdicts: CaseVerdict[]): string {
  const sorted = [...verdicts].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const report: CasesReport = {
    rig, status: verdicts.some((v) => FAILING_VERDICTS.includes(v.verdict)) ? 'failed' : 'passed', counts: countVerdicts(verdicts), cases: sorted,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

export class CasesReporter implements Reporter {
  private rig = '';
  private offers: RigOffers | undefined;
  private readonly planCases = new Map<string, Case[]>();
  private readonly verdicts: CaseVerdict[] = [];

  /** `outputDir`: where cases.json goes (undefined: no file); `stream`: where the verdicts are printed (undefined: nowhere). */
  constructor(private readonly outputDir: string | undefined, private readonly stream: OutStream | undefined) {}

  get path(): string | undefined {
    return this.outputDir === undefined ? undefined : join(this.outputDir, CASES_REPORT_FILE);
  }

  onRunStart(info: { rig: string }): void {
    this.rig = info.rig;
    this.offers = rigOffers(loadRigFile(info.rig));
  }

  onPlanStart(file: string, plan: Plan): void {
    if (plan.cases?.length) this.planCases.set(file, plan.cases);
  }

  onPlanEnd(result: PlanResult): void {
    const cases = this.planCases.get(result.file);
    if (!cases || !this.offers) return;
    for (const c of cases) this.verdicts.push(caseVerdict(c, result, this.offers));
  }

  onRunEnd(_run: RunResult): void {
    if (this.verdicts.length === 0) return;
    this.stream?.write(`\nConformance cases (${this.rig}):\n${formatCaseVerdicts(this.verdicts).join('\n')}\n`);
    if (this.path) {
      writeFileAtomic(this.path, renderCasesReport(this.rig, this.verdicts));
      this.stream?.write(`cases: ${this.path}\n`);
    }
  }
}

/**
 * The conformance reporter that goes with `--reporter` names: it prints with `list` and writes
 * cases.json with `json` (none when neither is named).
 */
export function casesReporterFor(names: string[], outputDir: string, stream: OutStream): CasesReporter[] {
  if (!names.includes('list') && !names.includes('json')) return [];
  return [new CasesReporter(names.includes('json') ? outputDir : undefined, names.includes('list') ? stream : undefined)];
}
