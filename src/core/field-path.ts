import type { z } from 'zod';

/** `steps[3].within` style path of a field, for error messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

/** Every problem of a failed validation, one line each: `<source>: <field.path>: <message>`. */
export function listProblems(source: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`);
}

/** Problems of a nested config, paths continued from its prefix: `csms.port: <message>`, `meters[0].unitId: ...`. */
export function listProblemsUnder(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const rest = i.path.length ? formatPath(i.path) : '';
    return `${prefix}${rest && !rest.startsWith('[') ? '.' : ''}${rest}: ${i.message}`;
  });
}
