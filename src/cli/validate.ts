import { readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { ERROR_CODES, isHarnessError } from '../core/errors.js';
import { loadYamlFile, parseYamlText } from '../plan/load-yaml.js';
import { PlanSchema } from '../plan/plan-schema.js';
import { RigSchema } from '../plan/rig-schema.js';
import { EXIT, reportError } from './exit.js';

/** A file is a plan when its top level has a `steps` key, else a rig (also when the YAML is broken). */
export function fileKind(text: string): 'plan' | 'rig' {
  const doc = parseDocument(text);
  return isMap(doc.contents) && doc.contents.has('steps') ? 'plan' : 'rig';
}

function validateFile(file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    loadYamlFile(file, RigSchema, ERROR_CODES.RIG_INVALID); // throws the "cannot read" error
    return;
  }
  if (fileKind(text) === 'plan') parseYamlText(text, file, PlanSchema, ERROR_CODES.PLAN_INVALID);
  else parseYamlText(text, file, RigSchema, ERROR_CODES.RIG_INVALID);
}

/** `chargebench validate <files...>`: check rig and plan files; every problem of every file is listed. */
export function validateCommand(files: string[]): number {
  let worst: number = EXIT.PASSED;
  for (const file of files) {
    try {
      validateFile(file);
      process.stdout.write(`ok ${file}\n`);
    } catch (err) {
      const code = reportError(err);
      if (!isHarnessError(err)) return code;
      worst = Math.max(worst, code);
    }
  }
  return worst;
}
