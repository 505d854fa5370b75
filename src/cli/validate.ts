import { readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { ERROR_CODES, HarnessError, isHarnessError } from '../core/errors.js';
import { applyPlanParams, applyRigEnv, parseParamFlags } from '../plan/params.js';
import { type Rig } from '../plan/rig-schema.js';
import { checkPlanAgainstRig } from '../runner/plan-check.js';
import { clockFor } from '../runner/run.js';
import { loadYamlFile, parseYamlText } from '../plan/load-yaml.js';
import { PlanSchema } from '../plan/plan-schema.js';
import { RigSchema } from '../plan/rig-schema.js';
import { EXIT, reportError } from './exit.js';

/** A file is a plan when its top level has a `steps` key, else a rig (also when the YAML is broken). */
export function fileKind(text: string): 'plan' | 'rig' {
  const doc = parseDocument(text);
  return isMap(doc.contents) && doc.contents.has('steps') ? 'plan' : 'rig';
}

function validateFile(file: string, rig: Rig | undefined, params: Record<string, string>): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    loadYamlFile(file, RigSchema, ERROR_CODES.RIG_INVALID); // throws the "cannot read" error
    return;
  }
  if (fileKind(text) === 'plan') {
    const plan = parseYamlText(text, file, PlanSchema, ERROR_CODES.PLAN_INVALID, (raw) => applyPlanParams(raw, file, params).raw);
    if (rig) {
      const problems = checkPlanAgainstRig(file, plan, rig);
      if (problems.length) throw new HarnessError(ERROR_CODES.PLAN_INVALID, problems.join('\n'), { problems });
    }
  } else {
    clockFor(parseYamlText(text, file, RigSchema, ERROR_CODES.RIG_INVALID, (raw) => applyRigEnv(raw, file, process.env)));
  }
}

/** `chargebench validate <files...> [--rig r]`: check rig and plan files; every problem of every file is listed. */
export function validateCommand(files: string[], opts: { rig?: string | undefined; param?: string[] | undefined } = {}): number {
  let worst: number = EXIT.PASSED;
  let rig: Rig | undefined;
  let params: Record<string, string> = {};
  try {
    params = parseParamFlags(opts.param ?? []);
    if (opts.rig) {
      rig = loadYamlFile(opts.rig, RigSchema, ERROR_CODES.RIG_INVALID, (raw) => applyRigEnv(raw, opts.rig as string, process.env));
      clockFor(rig);
      process.stdout.write(`ok ${opts.rig}\n`);
    }
  } catch (err) {
    return reportError(err);
  }
  for (const file of files) {
    try {
      validateFile(file, rig, params);
      process.stdout.write(`ok ${file}${rig ? ` (against ${opts.rig})` : ''}\n`);
    } catch (err) {
      const code = reportError(err);
      if (!isHarnessError(err)) return code;
      worst = Math.max(worst, code);
    }
  }
  return worst;
}
