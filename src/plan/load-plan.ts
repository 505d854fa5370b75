import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { formatPath } from '../core/field-path.js';
import { kindHint } from './file-kind.js';
import { caseProblems } from './cases-schema.js';
import { checkSchema, parseYamlValue, readInputFile } from './load-yaml.js';
import { applyPlanParams } from './params.js';
import { type Plan, PlanSchema, type Step } from './plan-schema.js';

const CODE = ERROR_CODES.PLAN_INVALID;

/**
 * `from:` names a mark set by an earlier step (in the order steps run, groups included). Marks
 * whose name is built from `${evse}` are left to the run.
 */
function markProblems(file: string, plan: Plan): string[] {
  const problems: string[] = [];
  const marks = new Set<string>();
  const walk = (steps: Step[], path: PropertyKey[]): void => {
    steps.forEach((step, i) => {
      const at = [...path, i];
      if ('from' in step && step.from !== undefined && !step.from.includes('${') && !marks.has(step.from)) {
        problems.push(`${file}: ${formatPath([...at, 'from'])}: no mark "${step.from}" before this step${marks.size ? ` (marks so far: ${[...marks].join(', ')})` : ''}`);
      }
      if (step.kind === 'mark') marks.add(step.mark);
      if (step.kind === 'group') walk(step.steps, [...at, 'steps']);
    });
  };
  walk(plan.steps, ['steps']);
  walk(plan.teardown, ['teardown']);
  return problems;
}

/**
 * Every check a plan gets before anything runs, from parsed data: the schema (durations finite,
 * positive where zero makes no sense, at most 30 days; selectors of bounded length), then the
 * plan's own references (marks). `run`, `list` and `validate` all call this, so they agree.
 */
export function planFromValue(raw: unknown, file: string, given: Record<string, string> = {}): Plan {
  let plan: Plan;
  const value = applyPlanParams(raw, file, given).raw; // "${name}" from --param or the plan's params:
  try {
    plan = checkSchema(value, file, PlanSchema, CODE);
  } catch (err) {
    const hint = kindHint(value, 'plan');
    if (hint && err instanceof HarnessError) {
      const problems = [...(err.details.problems as string[]), `${file}: ${hint}`];
      throw new HarnessError(CODE, problems.join('\n'), { file, problems });
    }
    throw err;
  }
  const problems = [...markProblems(file, plan), ...caseProblems(file, plan.cases ?? [], plan.steps)];
  if (problems.length > 0) throw new HarnessError(CODE, problems.join('\n'), { file, problems });
  return plan;
}

/** Read, parse and check a plan file (see planFromValue); `params` are the values in force. */
export function loadPlanFile(file: string, given: Record<string, string> = {}): { plan: Plan; params: Record<string, string> } {
  const value = parseYamlValue(readInputFile(file, CODE), file, CODE);
  return { plan: planFromValue(value, file, given), params: applyPlanParams(value, file, given).params };
}

/** Load every plan: all problems of all files at once (one PLAN_INVALID error), else the plans in order. */
export function loadPlanFiles(files: string[], given: Record<string, string> = {}): { file: string; plan: Plan; params: Record<string, string> }[] {
  const problems: string[] = [];
  const plans: { file: string; plan: Plan; params: Record<string, string> }[] = [];
  for (const file of files) {
    try {
      plans.push({ file, ...loadPlanFile(file, given) });
    } catch (err) {
      if (!(err instanceof HarnessError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new HarnessError(CODE, problems.join('\n'), { problems });
  return plans;
}
