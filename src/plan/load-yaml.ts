import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode, HarnessError } from '../core/errors.js';
import { listProblems } from '../core/field-path.js';

export { formatPath } from '../core/field-path.js';

/**
 * Read a YAML file and validate it against a zod schema. Every problem is reported at once, each
 * with the file and the field path; YAML syntax errors carry line and column.
 */
/** `prepare` rewrites the parsed YAML before validation (plan parameters, rig environment values). */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, code: ErrorCode = ERROR_CODES.CONFIG_INVALID, prepare?: (raw: unknown) => unknown): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HarnessError(code, `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  return parseYamlText(text, file, schema, code, prepare);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S, code: ErrorCode, prepare?: (raw: unknown) => unknown): z.output<S> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new HarnessError(code, problems.join('\n'), { file, problems });
  }
  const raw: unknown = doc.toJS();
  const result = schema.safeParse(prepare ? prepare(raw) : raw);
  if (!result.success) {
    const problems = listProblems(file, result.error);
    throw new HarnessError(code, problems.join('\n'), { file, problems });
  }
  return result.data;
}
