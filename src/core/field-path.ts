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

/**
 * Like listProblems, with each element of the list `key` named by its own `name` field, e.g.
 * `maps/x.yaml: entries[3] (P_L1).unit: ...` (register maps name their entries).
 */
export function listNamedProblems(source: string, error: z.ZodError, data: unknown, key: string): string[] {
  const list = (data as Record<string, unknown> | null | undefined)?.[key];
  return error.issues.map((i) => {
    let where = formatPath(i.path);
    const idx = i.path[1];
    if (i.path[0] === key && typeof idx === 'number' && Array.isArray(list)) {
      const name = (list[idx] as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') where = where.replace(`${key}[${idx}]`, `${key}[${idx}] (${name})`);
    }
    return `${source}: ${where}: ${i.message}`;
  });
}
