import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ERROR_CODES, HarnessError } from '../core/errors.js';

/** Every line of a file, streamed (bounded memory), with its 1-based number. */
export async function eachLine(path: string, fn: (line: string, n: number) => void): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(new HarnessError(ERROR_CODES.USAGE, `cannot read ${path}: ${err.message}`, { path }, { cause: err })));
  });
  await opened;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) fn(line, ++n);
}
