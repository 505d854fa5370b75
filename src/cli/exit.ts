import { exitCodeFor, isHarnessError } from '../core/errors.js';

export const EXIT = { PASSED: 0, FAILED: 1, INVALID: 2, INFRA: 3, INTERRUPTED: 130 } as const;

/** Print an error the way users should see it and return the exit code it maps to. */
export function reportError(err: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (isHarnessError(err)) {
    write(`chargebench: ${err.message}\n`);
    return exitCodeFor(err.code);
  }
  const e = err as Error;
  write(`chargebench: internal error: ${e?.stack ?? String(err)}\n`);
  return EXIT.INFRA;
}
