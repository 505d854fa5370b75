/**
 * OCPP 2.0.1 idToken types (IdTokenEnumType) and which type a station reports a token with: the type
 * the CSMS or the plan gave for it, else the rig's per-token type (station `idTokens`), else the type
 * its format fits: 8, 14 or 20 hex digits (a 4, 7 or 10 byte UID) is ISO14443, 16 hex digits is
 * ISO15693, an eMA-ID (e.g. NL-TNM-C00122045-K) is eMAID, anything else Local (no format
 * constraint), so a token is never sent with a type its value is invalid for.
 */
import { z } from 'zod';

export const ID_TOKEN_TYPES = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'] as const;
export type IdTokenType = (typeof ID_TOKEN_TYPES)[number];
export const IdTokenTypeSchema = z.enum(ID_TOKEN_TYPES).describe('OCPP 2.0.1 idToken type (IdTokenEnumType)');

const EMAID = /^[A-Z]{2}-?[A-Z0-9]{3}-?[A-Z0-9]{9}(-?[A-Z0-9])?$/i;

/** The type a token's format fits (see the module comment). */
export function inferIdTokenType(token: string): IdTokenType {
  if (/^[0-9A-F]+$/i.test(token) && [8, 14, 20].includes(token.length)) return 'ISO14443';
  if (/^[0-9A-F]{16}$/i.test(token)) return 'ISO15693';
  if (EMAID.test(token)) return 'eMAID';
  return 'Local';
}

/** Why a token is invalid for a type, or undefined when it fits (the formats the 2.0.1 spec gives). */
export function idTokenProblem(token: string, type: IdTokenType): string | undefined {
  if (type === 'ISO14443' && !(/^[0-9A-F]+$/i.test(token) && [8, 14, 20].includes(token.length))) return `${token} is not an ISO14443 UID (8, 14 or 20 hex digits)`;
  if (type === 'ISO15693' && !/^[0-9A-F]{16}$/i.test(token)) return `${token} is not an ISO15693 UID (16 hex digits)`;
  if (type === 'eMAID' && !EMAID.test(token)) return `${token} is not an eMA-ID (e.g. NL-TNM-C00122045-K)`;
  if (type === 'MacAddress' && !/^([0-9A-F]{2}[:-]?){5}[0-9A-F]{2}$/i.test(token)) return `${token} is not a MAC address`;
  if (type === 'NoAuthorization' && token !== '') return 'a NoAuthorization token is empty';
  return undefined;
}

/** Token types per station: given by the CSMS (RequestStartTransaction, ReserveNow) or by a plan step. */
export class IdTokenTypes {
  /** Created on the first token remembered: most stations never need one (heap per station counts). */
  private given: Map<string, IdTokenType> | undefined;

  constructor(private readonly configured: Readonly<Record<string, IdTokenType>> = {}) {}

  remember(token: string, type: IdTokenType): void {
    (this.given ??= new Map()).set(token, type);
  }

  typeOf(token: string): IdTokenType {
    return this.given?.get(token) ?? this.configured[token] ?? inferIdTokenType(token);
  }
}
