/**
 * The V8 flags a fleet worker is forked with: ours first, then the parent's own (which come later and
 * so win); a flag the parent or NODE_OPTIONS already names is not added again.
 */
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/fleet/worker-handle.js';

describe('workerExecArgv', () => {
  it('puts the worker flags before the parent execArgv', () => {
    expect(workerExecArgv(['--heap-growing-percent=100'], ['--enable-source-maps'], '')).toEqual(['--heap-growing-percent=100', '--enable-source-maps']);
    expect(workerExecArgv([], ['--cpu-prof'], '')).toEqual(['--cpu-prof']);
  });

  it('leaves a flag the parent names (either spelling) to the parent', () => {
    expect(workerExecArgv(['--heap-growing-percent=100'], ['--heap_growing_percent=25'], '')).toEqual(['--heap_growing_percent=25']);
    expect(workerExecArgv(['--heap-growing-percent=100'], ['--heap-growing-percent=30', '--inspect'], '')).toEqual(['--heap-growing-percent=30', '--inspect']);
  });

  it('leaves a flag NODE_OPTIONS names to NODE_OPTIONS', () => {
    expect(workerExecArgv(['--heap-growing-percent=100', '--max-semi-space-size=8'], [], '--max-old-space-size=4096  --heap-growing-percent=50')).toEqual(['--max-semi-space-size=8']);
  });
});
