/** Where the dashboard's files are: `dashboard/` of the package, and uPlot from node_modules (no CDN). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package folder (the one holding this package's package.json), from source or from dist/. */
export function packageRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'chargebench') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`chargebench's package.json not found above ${from}`);
    dir = up;
  }
}

export function dashboardDir(): string {
  return join(packageRoot(), 'dashboard');
}

/** uPlot's browser build and stylesheet, resolved as Node resolves the dependency. */
export function uplotFiles(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('uplot'));
  return { js: join(dist, 'uPlot.iife.min.js'), css: join(dist, 'uPlot.min.css') };
}
