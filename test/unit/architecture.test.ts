import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Lower number = lower layer. Imports may only point to the same or a lower layer. */
const LAYERS: [prefix: string, rank: number][] = [
  ['src/core/', 0],
  ['src/transport/', 1],
  ['src/devices/', 1],
  ['emulators/', 2],
  ['src/adapters/', 2],
  ['src/plan/', 3],
  ['src/runner/', 4],
  ['src/replay/', 4],
  ['src/fleet/', 4],
  ['src/report/', 5],
  ['src/api/', 6],
  ['src/cli/', 6],
];

function rank(file: string): number | undefined {
  return LAYERS.find(([p]) => file.startsWith(p))?.[1];
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const files = [...sources('src'), ...sources('emulators')];

describe('architecture: imports point down only', () => {
  it('every source file belongs to a layer', () => {
    expect(files.filter((f) => rank(f) === undefined)).toEqual([]);
  });

  it('no upward import, and src/core imports nothing of ours but itself', () => {
    const violations: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), m[1] as string)).replace(/\.js$/, '.ts');
        const from = rank(file) as number;
        const to = rank(target);
        if (to === undefined) violations.push(`${file} imports ${target}, which is outside every layer`);
        else if (to > from) violations.push(`${file} (layer ${from}) imports ${target} (layer ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no Math.random / Date.now / setTimeout outside the clock and RNG modules', () => {
    const offenders = files
      .filter((f) => !/clock|rng/.test(f))
      .filter((f) => /Math\.random\(|Date\.now\(|new Date\(\)|setTimeout\(|setInterval\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
