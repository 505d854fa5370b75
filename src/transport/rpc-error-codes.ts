import type { OcppVersion } from './ocpp-types.js';

/**
 * OCPP-J RPC framework error codes, spelled as each version's OCPP-J document spells them.
 * OCPP-J 1.6 (table 7) keeps `FormationViolation` and `OccurenceConstraintViolation` (one r) and
 * has neither `RpcFrameworkError` nor `MessageTypeNotSupported`; OCPP-J 2.0.1 (part 4, 4.3) spells
 * `FormatViolation` and `OccurrenceConstraintViolation` and adds those two codes.
 */
export const RPC_ERROR_CODES: Readonly<Record<OcppVersion, readonly string[]>> = {
  'ocpp1.6': [
    'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
    'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
  ],
  'ocpp2.0.1': [
    'FormatViolation', 'GenericError', 'InternalError', 'MessageTypeNotSupported', 'NotImplemented', 'NotSupported',
    'OccurrenceConstraintViolation', 'PropertyConstraintViolation', 'ProtocolError', 'RpcFrameworkError', 'SecurityError',
    'TypeConstraintViolation',
  ],
};

/** Either spelling of a code -> the 2.0.1 spelling (ocpp-rpc mixes both). */
const CANONICAL: Readonly<Record<string, string>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** 2.0.1 spelling -> 1.6 spelling; codes 1.6 lacks become GenericError ("any other error"). */
const TO_16: Readonly<Record<string, string>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  RpcFrameworkError: 'GenericError',
  MessageTypeNotSupported: 'GenericError',
};

/** The code to put on the wire for `code` on a connection of `version`; unknown codes become GenericError. */
export function errorCodeFor(version: OcppVersion | undefined, code: string): string {
  const canonical = CANONICAL[code] ?? code;
  if (version === 'ocpp1.6') {
    const spelled = TO_16[canonical] ?? canonical;
    return RPC_ERROR_CODES['ocpp1.6'].includes(spelled) ? spelled : 'GenericError';
  }
  return RPC_ERROR_CODES['ocpp2.0.1'].includes(canonical) ? canonical : 'GenericError';
}

/** OCPP-J 2.0.1 limits errorDescription to 255 characters; used for 1.6 too. */
export const MAX_ERROR_DESCRIPTION = 255;
/** errorDetails larger than this (serialised) are replaced by a note: ocpp-rpc echoes whole payloads there. */
export const MAX_ERROR_DETAILS_CHARS = 2048;

/**
 * Rewrite an outgoing CALLERROR frame so that its code is spelled for `version`, its description
 * fits 255 characters and its details stay small. Other frames come back unchanged.
 */
export function rewriteCallError(raw: string, version: OcppVersion | undefined): string {
  if (!raw.startsWith('[4')) return raw;
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (!Array.isArray(frame) || frame[0] !== 4 || frame.length < 3) return raw;
  const [, id, code, description, details] = frame as [number, unknown, unknown, unknown, unknown];
  const wireCode = errorCodeFor(version, typeof code === 'string' ? code : 'GenericError');
  const desc = typeof description === 'string' ? description.slice(0, MAX_ERROR_DESCRIPTION) : '';
  let det: unknown = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : {};
  const detText = JSON.stringify(det);
  if (detText.length > MAX_ERROR_DETAILS_CHARS) det = { truncated: `errorDetails of ${detText.length} characters left out` };
  if (wireCode === code && desc === description && det === details) return raw;
  return JSON.stringify([4, id, wireCode, desc, det]);
}
