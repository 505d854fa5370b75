import { ERROR_CODES, HarnessError } from '../core/errors.js';

export type FileKind = 'plan' | 'rig';

/** Top-level keys only a plan has, and keys only a rig has (name, description and $schema are shared). */
const PLAN_KEYS = ['steps', 'timeout', 'tags'] as const;
const RIG_KEYS = ['seed', 'clock', 'trace', 'site', 'csms', 'evses', 'meters', 'benchMeters', 'chargers', 'controlStack'] as const;

/**
 * Tell a plan from a rig by its parsed top level, in this order:
 * 1. `$schema` naming plan.schema.json or rig.schema.json;
 * 2. a key only plans have (`steps`, `timeout`, `tags`): a plan, even when `steps` is missing;
 * 3. a key only rigs have (`csms`, `evses`, `trace`, ...): a rig.
 * Anything else (only `name`/`description`, or not a mapping at all) cannot be told apart: an error
 * that says how to decide (`--kind`, a `$schema` line, or the keys of either).
 */
export function detectKind(value: unknown, file: string): FileKind {
  const undecided = (why: string): HarnessError => new HarnessError(ERROR_CODES.USAGE,
    `${file}: (root): ${why}; a plan has \`steps:\`, a rig has devices (\`csms:\`, \`evses:\`, ...): add them, a \`$schema\` line, or pass --kind plan|rig`,
    { file });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw undecided(value === null || value === undefined ? 'the file is empty' : `expected a mapping of fields, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const top = value as Record<string, unknown>;
  const schema = top.$schema;
  if (typeof schema === 'string') {
    if (/plan\.schema\.json$/i.test(schema)) return 'plan';
    if (/rig\.schema\.json$/i.test(schema)) return 'rig';
  }
  if (PLAN_KEYS.some((k) => k in top)) return 'plan';
  if (RIG_KEYS.some((k) => k in top)) return 'rig';
  throw undecided('cannot tell whether this is a plan or a rig');
}

/** For a file loaded as one kind that looks like the other: a hint to add to its schema problems. */
export function kindHint(value: unknown, expected: FileKind): string | undefined {
  let kind: FileKind;
  try {
    kind = detectKind(value, '');
  } catch {
    return undefined;
  }
  if (kind === expected) return undefined;
  return expected === 'plan'
    ? 'this looks like a rig, not a plan (give rigs with --rig)'
    : 'this looks like a plan, not a rig (plans are the arguments, the rig goes with --rig)';
}
