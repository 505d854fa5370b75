import { ERROR_CODES, isHarnessError } from '../core/errors.js';
import { loadYamlFile } from '../plan/load-yaml.js';
import { RigSchema } from '../plan/rig-schema.js';
import { EXIT, reportError } from './exit.js';

/** `chargebench validate <files...>`: check rig files; every problem of every file is listed. */
export function validateCommand(files: string[]): number {
  let worst: number = EXIT.PASSED;
  for (const file of files) {
    try {
      loadYamlFile(file, RigSchema, ERROR_CODES.RIG_INVALID);
      process.stdout.write(`ok ${file}\n`);
    } catch (err) {
      const code = reportError(err);
      if (!isHarnessError(err)) return code;
      worst = Math.max(worst, code);
    }
  }
  return worst;
}
