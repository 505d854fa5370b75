/**
 * Server-side security of the emulated CSMS: who may connect (unknown stations, basic auth for
 * profiles 1-2, the client certificate's CN for profile 3) and the TLS material of profiles 2-3.
 */
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import type { AuthPolicy, Handshake, ServerTls } from '../../src/transport/ocpp-server.js';
import type { CsmsConfig } from './config.js';

function pemFrom(inline: string | undefined, path: string | undefined, what: string): string | undefined {
  if (inline !== undefined) return inline;
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new HarnessError(ERROR_CODES.TLS_SETUP, `CSMS ${what}: cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
}

/** PEM material for profiles 2 and 3 (undefined below profile 2). Files are read here. */
export function resolveServerTls(config: CsmsConfig): ServerTls | undefined {
  const { profile, tls } = config.security;
  if (profile < 2) return undefined;
  const cert = pemFrom(tls?.cert, tls?.certFile, 'security.tls.certFile');
  const key = pemFrom(tls?.key, tls?.keyFile, 'security.tls.keyFile');
  const ca = pemFrom(tls?.ca, tls?.caFile, 'security.tls.caFile');
  if (cert === undefined || key === undefined) {
    throw new HarnessError(ERROR_CODES.TLS_SETUP, `CSMS security profile ${profile} needs security.tls.cert (or certFile) and security.tls.key (or keyFile)`, { profile });
  }
  if (profile === 3 && ca === undefined) {
    throw new HarnessError(ERROR_CODES.TLS_SETUP, 'CSMS security profile 3 needs security.tls.ca (or caFile) to verify station certificates', { profile });
  }
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

function samePassword(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * Decide a handshake: `true`, or the reason for the 401. `isKnown` says whether an identity is
 * known in advance (only consulted when unknown stations are not allowed).
 */
export function csmsAuthPolicy(config: CsmsConfig, isKnown: (identity: string) => boolean): AuthPolicy {
  const sec = config.security;
  return (h: Handshake) => {
    const id = h.identity;
    if (!config.allowUnknownStations && !isKnown(id)) return `unknown station ${id}`;
    switch (sec.profile) {
      case 0:
        return true;
      case 1:
      case 2: {
        const expected = sec.passwords[id] ?? sec.password;
        if (expected === undefined) return `no password configured for ${id}`;
        if (!h.password) return `${id}: basic auth credentials missing`;
        return samePassword(h.password, expected) ? true : `${id}: wrong password`;
      }
      case 3:
        if (!h.certCommonName) return `${id}: no verified client certificate`;
        return h.certCommonName === id ? true : `${id}: client certificate CN ${h.certCommonName} does not match the identity`;
    }
  };
}
