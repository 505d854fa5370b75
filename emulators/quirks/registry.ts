import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { DeviceKind, QuirkDefinition } from './types.js';

/** One quirk in a device config: `{ id: ocpp/no-boot-after-reconnect, params: {...} }`. */
export const QuirkEntrySchema = z.object({
  id: z.string().describe('Quirk id from the catalogue, e.g. ocpp/no-boot-after-reconnect'),
  params: z.record(z.string(), z.unknown()).default({}).describe('Parameters of the quirk (see its schema in the catalogue)'),
}).describe('A quirk with its parameters');
export type QuirkEntry = z.output<typeof QuirkEntrySchema>;

/** A configured quirk: its definition and its validated parameters. */
export interface ResolvedQuirk<D extends QuirkDefinition = QuirkDefinition> {
  def: D;
  params: unknown;
}

/**
 * The quirks one device kind knows, by id. Not a singleton: each device kind builds its own from
 * its catalogue. Config entries are checked against it: an unknown id gets an error listing the
 * known ids; params are validated by the quirk's own schema, with the field path.
 */
export class QuirkRegistry<D extends QuirkDefinition = QuirkDefinition> {
  private readonly byId = new Map<string, D>();

  constructor(readonly kind: DeviceKind, defs: readonly D[]) {
    for (const d of defs) {
      if (this.byId.has(d.id)) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `quirk catalogue (${kind}): duplicate id ${d.id}`);
      if (!d.deviceKinds.includes(kind)) throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `quirk ${d.id} does not apply to ${kind} devices`);
      this.byId.set(d.id, d);
    }
  }

  get(id: string): D | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  all(): D[] {
    return [...this.byId.values()];
  }

  /** Problems of a list of entries, each with its path relative to the list (`[2, 'params', 'wrapAt']`). */
  problems(entries: readonly { id: string; params?: unknown }[]): { path: (string | number)[]; message: string }[] {
    const out: { path: (string | number)[]; message: string }[] = [];
    entries.forEach((e, i) => {
      const def = this.byId.get(e.id);
      if (!def) {
        out.push({ path: [i, 'id'], message: `unknown ${this.kind} quirk "${e.id}"; known: ${this.ids().join(', ')}` });
        return;
      }
      const parsed = def.params.safeParse(e.params ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) out.push({ path: [i, 'params', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: `${e.id}: ${issue.message}` });
      }
    });
    return out;
  }

  /** A zod check for a `quirks:` list: adds one issue per problem, at its path. */
  check(entries: readonly { id: string; params?: unknown }[], ctx: z.RefinementCtx): void {
    for (const p of this.problems(entries)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  }

  /** Definitions and parsed params of a list of entries; throws a CONFIG_INVALID HarnessError naming `where` and every problem. */
  resolve(entries: readonly { id: string; params?: unknown }[], where: string): ResolvedQuirk<D>[] {
    const problems = this.problems(entries);
    if (problems.length > 0) {
      throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${where}: ${problems.map((p) => `quirks.${p.path.join('.')}: ${p.message}`).join('; ')}`);
    }
    return entries.map((e) => {
      const def = this.byId.get(e.id) as D;
      return { def, params: def.params.parse(e.params ?? {}) };
    });
  }
}
