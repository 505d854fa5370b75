import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { jsonSchemaFiles } from '../plan/json-schema.js';
import { EXIT, reportError } from './exit.js';
import { outputDirOption } from './option-checks.js';

/** `chargebench schemas [--out dir]`: write the JSON Schema files editors use to autocomplete rigs. */
export function schemasCommand(outDir: string): number {
  const problems: string[] = [];
  outputDirOption('--out', outDir, problems);
  if (problems.length > 0) return reportError(new HarnessError(ERROR_CODES.USAGE, problems.join('\n'), { problems }));
  try {
    mkdirSync(outDir, { recursive: true });
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      writeFileSync(join(outDir, name), text);
      process.stdout.write(`wrote ${join(outDir, name)}\n`);
    }
  } catch (err) {
    // checked above; what is left is the disk (full, gone, permissions changed meanwhile)
    return reportError(new HarnessError(ERROR_CODES.OUTPUT_IO, `--out ${outDir}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: outDir }, { cause: err }));
  }
  return EXIT.PASSED;
}
