import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFiles } from '../../src/plan/json-schema.js';

describe('committed JSON Schemas', () => {
  it.each(Object.entries(jsonSchemaFiles()))('schemas/%s matches the zod schema (run `npm run schemas` when this fails)', (name, text) => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'schemas', name), 'utf8');
    expect(committed).toBe(text);
  });

  it('describes rig fields for editors', () => {
    const rig = JSON.parse(jsonSchemaFiles()['rig.schema.json'] as string) as { properties: Record<string, { description?: string }> };
    expect(rig.properties.seed?.description).toMatch(/Seed/);
    expect(rig.properties.evses?.description).toMatch(/Virtual charging stations/);
  });
});
