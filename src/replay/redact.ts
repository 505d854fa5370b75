/**
 * Pseudonyms for field logs that leave the site: id tags, serial numbers and station identities
 * are replaced by names derived from a keyed hash (HMAC-SHA256 keyed with the seed), so the same
 * value gets the same pseudonym in every frame and every file redacted with the same seed, and
 * different seeds give unrelated pseudonyms. The original cannot be read back from the pseudonym.
 */
import { createHmac } from 'node:crypto';

export const REDACT_KINDS = ['idTags', 'serials', 'stations'] as const;
export type RedactKind = (typeof REDACT_KINDS)[number];

const ID_TAG_KEYS = new Set(['idTag', 'parentIdTag', 'idToken', 'groupIdToken']);
const SERIAL_KEYS = new Set(['chargePointSerialNumber', 'chargeBoxSerialNumber', 'meterSerialNumber', 'serialNumber', 'iccid', 'imsi']);

/** Parse "idTags,serials,stations" (problems name the flag). */
export function parseRedactKinds(text: string | undefined): Set<RedactKind> | string {
  if (text === undefined) return new Set();
  const out = new Set<RedactKind>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(REDACT_KINDS as readonly string[]).includes(part)) return `--redact: unknown kind "${part}" (use ${REDACT_KINDS.join(', ')})`;
    out.add(part as RedactKind);
  }
  return out;
}

export class Redactor {
  constructor(private readonly kinds: ReadonlySet<RedactKind>, private readonly seed: string | number) {}

  get active(): boolean {
    return this.kinds.size > 0;
  }

  private pseudo(prefix: string, value: string): string {
    return `${prefix}-${createHmac('sha256', String(this.seed)).update(`${prefix}\u0000${value}`).digest('hex').slice(0, 10).toUpperCase()}`;
  }

  station(identity: string): string {
    return this.kinds.has('stations') ? this.pseudo('ST', identity) : identity;
  }

  /** A payload with id tags and serials replaced (a new value; the input is not changed). */
  payload(v: unknown): unknown {
    if (!this.kinds.has('idTags') && !this.kinds.has('serials')) return v;
    return this.walk(v);
  }

  private walk(v: unknown, key?: string): unknown {
    if (Array.isArray(v)) return v.map((x) => this.walk(x, key));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.walk(x, k);
      return out;
    }
    if (typeof v !== 'string' || key === undefined) return v;
    if (this.kinds.has('idTags') && ID_TAG_KEYS.has(key)) return this.pseudo('TAG', v);
    if (this.kinds.has('serials') && SERIAL_KEYS.has(key)) return this.pseudo('SN', v);
    return v;
  }
}
