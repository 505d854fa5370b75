import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { detectKind, type FileKind } from '../plan/file-kind.js';
import { planNotApplicable, rigOffers } from '../plan/case-applicability.js';
import { parseYamlValue, readInputFile } from '../plan/load-yaml.js';
import { planFromValue } from '../plan/load-plan.js';
import { loadRigFile, rigFromValue } from '../plan/load-rig.js';
import { parseParamFlags } from '../plan/params.js';
import type { Rig } from '../plan/rig-schema.js';
import { checkPlanAgainstRig } from '../runner/plan-check.js';
import { EXIT, reportError } from './exit.js';

export interface ValidateCommandOptions {
  kind?: string | undefined;
  rig?: string | undefined;
  param?: string[] | undefined;
}

export interface ValidatedValidateOptions {
  kind: FileKind | undefined;
  rig: string | undefined;
  params: Record<string, string>;
}

/** Check the flags; every problem at once (a HarnessError USAGE, exit 2). */
export function validateValidateOptions(files: string[], opts: ValidateCommandOptions): ValidatedValidateOptions {
  const problems: string[] = [];
  if (opts.kind !== undefined && opts.kind !== 'plan' && opts.kind !== 'rig') {
    problems.push(`--kind: expected plan or rig, got ${JSON.stringify(opts.kind)}`);
  }
  if (opts.rig !== undefined && opts.rig.trim() === '') problems.push('--rig: expected a rig file');
  if (files.length === 0 && opts.rig === undefined) problems.push('validate: give files to check (or --rig <file>)');
  let params: Record<string, string> = {};
  try {
    params = parseParamFlags(opts.param ?? []);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) throw new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems });
  return { kind: opts.kind as FileKind | undefined, rig: opts.rig, params };
}

/**
 * One file, through exactly the loaders `run` and `emulate` use (src/plan/load-plan.ts,
 * src/plan/load-rig.ts): what passes here passes there. The kind comes from --kind or from the
 * file itself (see detectKind).
 */
function validateFile(file: string, kind: FileKind | undefined, rig: Rig | undefined, params: Record<string, string>): string | undefined {
  // Until the kind is known, read and parse errors carry the plan code (plan and rig both exit 2).
  const code = kind === 'rig' ? ERROR_CODES.RIG_INVALID : ERROR_CODES.PLAN_INVALID;
  const value = parseYamlValue(readInputFile(file, code), file, code);
  if ((kind ?? detectKind(value, file)) === 'plan') {
    const plan = planFromValue(value, file, params);
    // against the rig, exactly as `run` checks before it starts (and, like run, not a plan the rig will not run)
    const na = rig ? planNotApplicable(plan, rigOffers(rig)) : undefined;
    if (na !== undefined) return ` (not run on this rig: ${na})`;
    const problems = rig ? checkPlanAgainstRig(file, plan, rig) : [];
    if (problems.length) throw new HarnessError(ERROR_CODES.PLAN_INVALID, problems.join('\n'), { problems });
  } else {
    rigFromValue(value, file);
  }
  return undefined;
}

/**
 * `chargebench validate <files...> [--rig <file>] [--kind plan|rig]`: check rig and plan files;
 * every problem of every file is listed. With --rig, that rig is checked first (as `run` would).
 */
export function validateCommand(files: string[], opts: ValidateCommandOptions = {}): number {
  let v: ValidatedValidateOptions;
  try {
    v = validateValidateOptions(files, opts);
  } catch (err) {
    return reportError(err);
  }
  let worst: number = EXIT.PASSED;
  const check = (file: string, fn: () => string | undefined): void => {
    try {
      const note = fn();
      process.stdout.write(`ok ${file}${note ?? ''}\n`);
    } catch (err) {
      const code = reportError(err);
      worst = Math.max(worst, isHarnessError(err) ? code : EXIT.INFRA);
    }
  };
  let rig: Rig | undefined;
  if (v.rig !== undefined) check(v.rig, () => { rig = loadRigFile(v.rig as string); return undefined; });
  for (const file of files) check(file, () => validateFile(file, v.kind, rig, v.params));
  return worst;
}
