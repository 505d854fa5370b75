import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode, HarnessError } from '../core/errors.js';
import { listProblems } from '../core/field-path.js';
import { checkYamlShape, MAX_NESTING } from './yaml-aliases.js';

export { formatPath } from '../core/field-path.js';

/** Largest plan or rig file read: far above any hand-written file, small enough to parse in a few seconds. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

function fail(code: ErrorCode, file: string, problems: string[]): HarnessError {
  return new HarnessError(code, problems.join('\n'), { file, problems });
}

/** Read a plan or rig file: a regular file of at most MAX_FILE_BYTES, else a clear error naming it. */
export function readInputFile(file: string, code: ErrorCode): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw fail(code, file, [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fail(code, file, [`${file}: is a folder, expected a YAML file`]);
    if (st.isFile() && st.size > MAX_FILE_BYTES) {
      throw fail(code, file, [`${file}: ${st.size} bytes, larger than the limit of ${MAX_FILE_BYTES} bytes (5 MiB) for a plan or rig; split it`]);
    }
    // A regular file is read whole; anything else (a FIFO, a device) up to one byte past the limit.
    const buf = Buffer.alloc(st.isFile() ? st.size : MAX_FILE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_FILE_BYTES) throw fail(code, file, [`${file}: larger than the limit of ${MAX_FILE_BYTES} bytes (5 MiB) for a plan or rig`]);
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw fail(code, file, [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  } finally {
    closeSync(fd);
  }
}

/** Depth of a plain value, without recursion (JSON input is checked like YAML is). */
function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > MAX_NESTING) return true;
    for (const c of Object.values(v)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

/**
 * Parse the text of a plan or rig into plain data. Syntax errors carry line and column; aliases
 * are checked before they are expanded (unknown, recursive or exploding ones are errors with line
 * and field), and so is the nesting depth. JSON text (a generated plan) takes the fast path.
 */
export function parseYamlValue(text: string, file: string, code: ErrorCode): unknown {
  if (text.trimStart().startsWith('{')) {
    let value: unknown;
    let ok = false;
    try {
      value = JSON.parse(text);
      ok = true;
    } catch {
      // not JSON after all: YAML's parser gives the better message
    }
    if (ok) {
      if (tooDeep(value)) throw fail(code, file, [`${file}: nested deeper than ${MAX_NESTING} levels`]);
      return value;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const text = e.code === 'MULTIPLE_DOCS' ? 'a second YAML document (after ---): a plan or rig file holds one' : e.message.split('\n')[0];
      return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${text}`;
    });
    throw fail(code, file, problems);
  }
  const shape = checkYamlShape(doc, lineCounter);
  if (shape) {
    throw fail(code, file, [`${file}${shape.line !== undefined ? `:${shape.line}:${shape.col}` : ''}: ${shape.path}: ${shape.message}`]);
  }
  try {
    // The aliases were bounded above; the library's own alias guard is then redundant.
    return doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    throw fail(code, file, [`${file}: ${(err as Error).message}`]);
  }
}

/** Validate plain data against a schema; every problem at once, each with the file and field path. */
export function checkSchema<S extends z.ZodType>(value: unknown, file: string, schema: S, code: ErrorCode): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fail(code, file, listProblems(file, result.error));
  return result.data;
}

/**
 * Read a YAML file and validate it against a zod schema. Every problem is reported at once, each
 * with the file and the field path; YAML syntax errors carry line and column.
 */
/** `prepare` rewrites the parsed YAML before validation (plan parameters, rig environment values). */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, code: ErrorCode = ERROR_CODES.CONFIG_INVALID, prepare?: (raw: unknown) => unknown): z.output<S> {
  const raw = parseYamlValue(readInputFile(file, code), file, code);
  return checkSchema(prepare ? prepare(raw) : raw, file, schema, code);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S, code: ErrorCode, prepare?: (raw: unknown) => unknown): z.output<S> {
  const raw = parseYamlValue(text, file, code);
  return checkSchema(prepare ? prepare(raw) : raw, file, schema, code);
}
