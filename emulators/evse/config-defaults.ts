/**
 * Default-valued parts of a parsed station config, shared by every station that leaves them at
 * their default. zod builds a fresh copy of each default per parse (a timing object with three
 * distributions, the EV spec, reconnect, firmware, ...), which a fleet of 1,000 stations pays
 * 1,000 times. The shared parts are deep-frozen: a station never changes its config.
 */
import { type StationConfig, StationConfigSchema } from './config.js';

const SHARED_PARTS = ['security', 'firmware', 'electrical', 'ev', 'reconnect', 'settings', 'quirks', 'timing'] as const;
type SharedPart = (typeof SHARED_PARTS)[number];

interface SharedDefault {
  json: string;
  value: unknown;
}

let defaults: Map<SharedPart, SharedDefault> | undefined;

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** The default of each shared part, computed once from the schema (what an omitted field parses to). */
function sharedDefaults(): Map<SharedPart, SharedDefault> {
  if (!defaults) {
    defaults = new Map();
    for (const part of SHARED_PARTS) {
      const value = deepFreeze(StationConfigSchema.shape[part].parse(undefined) as unknown);
      defaults.set(part, { json: JSON.stringify(value), value });
    }
  }
  return defaults;
}

/** Replace each part equal to its default with the one shared instance (in place; returns the config). */
export function shareDefaultParts(config: StationConfig): StationConfig {
  const target = config as unknown as Record<SharedPart, unknown>;
  for (const [part, d] of sharedDefaults()) {
    if (target[part] !== d.value && JSON.stringify(target[part]) === d.json) target[part] = d.value;
  }
  return config;
}
