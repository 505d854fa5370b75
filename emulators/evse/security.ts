import { readFileSync } from 'node:fs';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { ClientSecurity } from '../../src/transport/ocpp-client.js';
import type { StationConfig } from './config.js';

/**
 * The TLS and basic-auth material a station connects with: inline PEM or files, and a password the
 * CSMS may have changed since (2.0.1 SecurityCtrlr.BasicAuthPassword, applied from the next connection).
 */
export function clientSecurity(sec: StationConfig['security'], passwordOverride?: string): ClientSecurity {
  return {
    profile: sec.profile,
    password: passwordOverride ?? sec.password,
    ca: sec.ca ?? readPem(sec.caFile),
    cert: sec.cert ?? readPem(sec.certFile),
    key: sec.key ?? readPem(sec.keyFile),
  };
}

function readPem(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new HarnessError(ERROR_CODES.TLS_SETUP, `cannot read ${path}: ${(err as Error).message}`, { path });
  }
}
