import { EXIT, reportError } from './exit.js';

/**
 * For long-running commands (emulate, serve): resolves with the exit code once SIGINT or SIGTERM has
 * arrived and `close` has torn everything down (0), or with the teardown's error code. A second
 * signal during teardown is ignored.
 */
export function exitOnSignal(close: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`chargebench: ${signal}: shutting down\n`);
      close().then(() => resolve(EXIT.PASSED), (err: unknown) => resolve(reportError(err)));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
