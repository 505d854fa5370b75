import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { caseVersion } from '../plan/cases-schema.js';
import { loadPlanFile } from '../plan/load-plan.js';
import { loadRigFile } from '../plan/load-rig.js';
import type { Plan, Step } from '../plan/plan-schema.js';
import { notApplicableOn, type RigOffers, rigOffers } from '../report/case-verdicts.js';
import { EXIT, reportError } from './exit.js';

function budgetText(s: { within?: string | undefined; from?: string | undefined }): string {
  if (!s.within) return '';
  return ` within ${s.within}${s.from ? ` from "${s.from}"` : ''}`;
}

const at = (evse: string, connector: number | undefined): string => (connector !== undefined && connector !== 1 ? `${evse}#${connector}` : evse);

/** What a step does, in a few words (for `list` and as the label of an unnamed step). */
export function stepSummary(step: Step): string {
  switch (step.kind) {
    case 'boot':
    case 'connect':
      return `${step.evse} boot ${step.status}${budgetText(step)}`;
    case 'plug':
    case 'unplug':
      return at(step.evse, step.connector);
    case 'authorize':
      return `${at(step.evse, step.connector)} token ${step.idTag} -> ${step.expectStatus}${budgetText(step)}`;
    case 'start':
      return `${at(step.evse, step.connector)} token ${step.idTag}${step.remote ? ' (remote)' : ''}${budgetText(step)}`;
    case 'stop':
      return `${at(step.evse, step.connector)}${step.remote ? ' (remote)' : ''}${budgetText(step)}`;
    case 'send':
      return `${step.station} ${step.action}${step.expectError ? ` -> ${step.expectError}` : step.expectAnswer ? ` -> ${JSON.stringify(step.expectAnswer)}` : ''}${budgetText(step)}`;
    case 'answer':
      return `${step.station} answers ${step.action}${step.error ? ` with ${step.error}` : ''}`;
    case 'http':
      return `${step.method} ${step.url}${step.expectStatus !== undefined ? ` -> ${String(step.expectStatus)}` : ''}${budgetText(step)}`;
    case 'wait':
      return step.duration;
    case 'mark':
      return `"${step.mark}"`;
    case 'trigger':
      return `${step.action} -> ${step.evse}${step.expectStatus ? ` expecting ${step.expectStatus}` : ''}${budgetText(step)}`;
    case 'inject': {
      const target = step.phase ?? (step.evse ? at(step.evse, step.connector) : '');
      const extra = step.fault === 'reject-boot' || step.fault === 'pend-boot'
        ? ` x${step.times} (interval ${step.intervalS}s)`
        : step.fault === 'delay-responses' ? ` by ${step.delay}` : step.fault === 'evse-fault' ? ` ${step.errorCode}` : '';
      return `${step.fault}${target ? ` ${target}` : ''}${extra}`;
    }
    case 'dr':
      return step.restore ? 'restore the site limit' : `site limit ${step.limitKw} kW`;
    case 'expect': {
      const no = step.not ? 'no ' : '';
      let what = '';
      if (step.message) {
        const m = step.message;
        what = `${no}${m.action} ${m.direction}${m.evse ? ` ${m.evse}` : ''}${m.payload ? ` ${JSON.stringify(m.payload)}` : ''}${m.count > 1 ? ` x${m.count}` : ''}`;
      } else if (step.state) {
        what = `${no}${at(step.state.evse, step.state.connector)} ${step.state.status}`;
      } else if (step.boot) {
        what = `${no}${step.boot.evse} boot ${step.boot.status}`;
      } else if (step.power) {
        const p = step.power;
        what = `${no}${p.evse ?? 'site'} power ${p.op} ${p.kw} kW${p.hold ? ` for ${p.hold}` : ''}`;
      } else if (step.register) {
        const r = step.register;
        what = `${no}${at(r.charger, r.connector)} register ${r.name} ${r.op} ${String(r.value)}`;
      } else if (step.meter) {
        const m = step.meter;
        what = `${no}meter ${m.id} ${m.quantity} ${m.op} ${m.value}${m.hold ? ` for ${m.hold}` : ''}`;
      }
      return `${what}${budgetText(step)}`;
    }
    case 'load':
      return `building load ${step.kw} kW`;
    case 'scenario':
      return `site scenario of ${step.duration} on ${step.evse}`;
    case 'modbus-write':
      return `${at(step.charger, step.connector)} ${step.register} := ${step.value}${budgetText(step)}`;
    case 'energy-manager':
      return step.limitKw !== undefined ? `limit ${step.limitKw} kW` : step.restore ? 'restore' : step.stop ? 'stops refreshing' : 'resumes';
    case 'group':
      return `for ${step.for}${step.parallel ? ' in parallel' : ''} (${step.steps.length} step${step.steps.length === 1 ? '' : 's'})`;
  }
}

/** The plan's steps as lines: "  1 boot CB16-01 boot Accepted within 5s"; groups indent their steps ("5.1"). */
export function formatPlanSteps(steps: Step[], prefix = '', depth = 1): string[] {
  return steps.flatMap((step, i) => {
    const id = `${prefix}${i + 1}`;
    const summary = stepSummary(step);
    const label = step.name && step.name !== summary ? `${step.name}: ${summary}` : summary;
    const line = `${'  '.repeat(depth)}${id} ${step.kind} ${label}`;
    return step.kind === 'group' ? [line, ...formatPlanSteps(step.steps, `${id}.`, depth + 1)] : [line];
  });
}

export function formatPlan(file: string, plan: Plan): string[] {
  const tags = plan.tags.length ? ` [${plan.tags.join(', ')}]` : '';
  return [`${file}: ${plan.name}${tags}`, ...formatPlanSteps(plan.steps)];
}

export interface CaseRow { id: string; title: string; version: '1.6' | '2.0.1'; file: string; needs: string[]; notApplicable?: string | undefined }

/** The coverage by case id: one line per case (id, OCPP version, title, plan file, needs, n/a reason), then the totals. */
export function formatCaseCoverage(rows: CaseRow[], rig?: string): string[] {
  const sorted = [...rows].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const w = Math.max(2, ...sorted.map((r) => r.id.length));
  const lines = sorted.map((r) => `${r.id.padEnd(w)}  ${r.version.padEnd(5)}  ${r.title}  [${r.file}]  needs: ${r.needs.length ? r.needs.join(', ') : '-'}`
    + `${r.notApplicable ? `  NOT APPLICABLE: ${r.notApplicable}` : ''}`);
  const v16 = rows.filter((r) => r.version === '1.6').length;
  const na = rows.filter((r) => r.notApplicable).length;
  const count = (need: string): number => rows.filter((r) => r.needs.includes(need)).length;
  lines.push(`${rows.length} case(s): ${v16} OCPP 1.6, ${rows.length - v16} OCPP 2.0.1; ${rows.length - na} runnable, ${na} not applicable${rig ? ` on ${rig}` : ''}; `
    + `needing the built-in CSMS ${count('builtin-csms')}, an operator ${count('operator')}, a trigger ${count('trigger')}`);
  return lines;
}

function caseRows(file: string, plan: Plan, offers: RigOffers | undefined): CaseRow[] {
  return (plan.cases ?? []).map((c) => ({
    id: c.id, title: c.title, version: caseVersion(c.id), file, needs: c.needs,
    notApplicable: offers ? notApplicableOn(c, offers) : c.notApplicable,
  }));
}

/**
 * `chargebench list <plans...>`: each plan's name and steps; every problem of every invalid plan (exit 2).
 * With `cases`, the OCTT test-case coverage by id instead (with `rig`, what that rig cannot run is not applicable).
 */
export function listCommand(files: string[], opts: { cases?: boolean | undefined; rig?: string | undefined } = {}): number {
  let worst: number = EXIT.PASSED;
  let offers: RigOffers | undefined;
  if (opts.rig !== undefined && !opts.cases) return reportError(new HarnessError(ERROR_CODES.USAGE, 'list: --rig goes with --cases (which cases that rig can run)'));
  if (opts.rig !== undefined) {
    try {
      offers = rigOffers(loadRigFile(opts.rig));
    } catch (err) {
      return reportError(err);
    }
  }
  const rows: CaseRow[] = [];
  for (const file of files) {
    try {
      const { plan } = loadPlanFile(file);
      if (opts.cases) rows.push(...caseRows(file, plan, offers));
      else process.stdout.write(`${formatPlan(file, plan).join('\n')}\n`);
    } catch (err) {
      const code = reportError(err);
      if (!isHarnessError(err)) return code;
      worst = Math.max(worst, code);
    }
  }
  if (opts.cases) process.stdout.write(`${formatCaseCoverage(rows, opts.rig).join('\n')}\n`);
  return worst;
}
