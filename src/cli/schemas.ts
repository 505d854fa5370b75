import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaFiles } from '../plan/json-schema.js';

/** `chargebench schemas [--out dir]`: write the JSON Schema files editors use to autocomplete rigs. */
export function schemasCommand(outDir: string): number {
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(jsonSchemaFiles())) {
    writeFileSync(join(outDir, name), text);
    process.stdout.write(`wrote ${join(outDir, name)}\n`);
  }
  return 0;
}
