import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { kindHint } from './file-kind.js';
import { checkSchema, parseYamlValue, readInputFile } from './load-yaml.js';
import { applyRigEnv } from './params.js';
import { applyFirmwareProfiles, type Rig, RigSchema } from './rig-schema.js';
import { writableDirProblem } from './writable-dir.js';

const CODE = ERROR_CODES.RIG_INVALID;

/**
 * Every check a rig gets before anything starts, from parsed data: the schema (with its semantic
 * rules: identities after `count` expansion, clock vs external parts, adapters), then whether the
 * trace folder can be made. `run`, `emulate` and `validate` all call this, so they agree.
 */
export function rigFromValue(raw: unknown, file: string, env: NodeJS.ProcessEnv = process.env): Rig {
  let rig: Rig;
  const value = applyFirmwareProfiles(applyRigEnv(raw, file, env), file); // "${env:NAME}" in any string; firmware: <profile>
  try {
    rig = checkSchema(value, file, RigSchema, CODE);
  } catch (err) {
    const hint = kindHint(value, 'rig');
    if (hint && err instanceof HarnessError) {
      const problems = [...(err.details.problems as string[]), `${file}: ${hint}`];
      throw new HarnessError(CODE, problems.join('\n'), { file, problems });
    }
    throw err;
  }
  if (rig.trace.enabled) {
    const problem = writableDirProblem(rig.trace.dir);
    if (problem) {
      const message = `${file}: trace.dir: ${problem}`;
      throw new HarnessError(CODE, message, { file, field: 'trace.dir', problems: [message] });
    }
  }
  return rig;
}

/** Read, parse and check a rig file (see rigFromValue). */
export function loadRigFile(file: string): Rig {
  return rigFromValue(parseYamlValue(readInputFile(file, CODE), file, CODE), file);
}
