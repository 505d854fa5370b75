/**
 * Reading a trace file in any of its forms: full or compact JSONL (trace-format.ts), plain or gzip
 * (recognised by its magic bytes, whatever the name). Readers get format 1 lines either way.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { ERROR_CODES, HarnessError } from './errors.js';
import { TraceLineDecoder } from './trace-format.js';

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the file starts with the gzip magic bytes. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    closeSync(fd);
  }
}

/**
 * Every record line of a trace as a format 1 line, streamed (bounded memory), with its 1-based line
 * number in the (decompressed) file. Header lines of the compact form are not passed on.
 */
export async function eachTraceLine(path: string, fn: (line: string, n: number) => void): Promise<void> {
  let gz: boolean;
  try {
    gz = isGzipFile(path);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.USAGE, `cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  const file = createReadStream(path);
  let input: Readable = file;
  if (gz) {
    const gunzip = createGunzip();
    file.on('error', (err) => gunzip.destroy(err));
    input = file.pipe(gunzip);
  }
  input.setEncoding('utf8');
  const decoder = new TraceLineDecoder();
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let fromFn = false;
  try {
    for await (const text of rl) {
      n++;
      const line = decoder.line(text);
      fromFn = true;
      if (line !== undefined) fn(line, n);
      fromFn = false;
    }
  } catch (err) {
    if (fromFn) throw err;
    throw new HarnessError(ERROR_CODES.USAGE, `cannot read ${path}${gz ? ' (gzip)' : ''} after line ${n}: ${(err as Error).message}`, { path, line: n }, { cause: err });
  }
}

/**
 * The trace (or its first `maxBytes` on disk) as format 1 JSONL text, synchronously. A gzip file cut
 * by `maxBytes` is decompressed as far as it goes; a last line cut short is left as it is.
 */
export function readTraceTextSync(path: string, maxBytes = Number.MAX_SAFE_INTEGER): string {
  const fd = openSync(path, 'r');
  let buf: Buffer;
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, maxBytes - total));
      if (chunk.length === 0) break;
      const n = readSync(fd, chunk, 0, chunk.length, total);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    buf = Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
  const gz = buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
  const text = (gz ? gunzipSync(buf, { finishFlush: constants.Z_SYNC_FLUSH }) : buf).toString('utf8');
  const decoder = new TraceLineDecoder();
  const out: string[] = [];
  const lines = text.split('\n');
  const last = lines.pop() as string;
  for (const l of lines) {
    const line = decoder.line(l);
    if (line !== undefined) out.push(line);
  }
  // a file that ends without a newline keeps its last line as it is (possibly cut short)
  if (last !== '') out.push(decoder.line(last) ?? '');
  return out.length ? `${out.join('\n')}${last === '' ? '\n' : ''}` : '';
}
