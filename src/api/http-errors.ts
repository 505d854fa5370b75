/** Errors of the control API as JSON bodies: `{ error, code, field?, issues? }` with an HTTP status. */
import type { z } from 'zod';
import { ERROR_CODES, isHarnessError } from '../core/errors.js';

export interface ErrorJson {
  error: string;
  code: string;
  field?: string | undefined;
  issues?: { field: string; message: string }[] | undefined;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string, readonly issues?: { field: string; message: string }[]) {
    super(message);
    this.name = 'ApiError';
  }

  json(): ErrorJson {
    return { error: this.message, code: this.code, ...(this.field ? { field: this.field } : {}), ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** "body.connector" from where ("body", "params", "query") and a zod issue path. */
function fieldOf(where: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}.${String(k)}`), where);
}

/** A 400 naming every field at fault (the first one in `field` and the message). */
export function validationError(where: string, error: z.ZodError): ApiError {
  const issues = error.issues.map((i) => {
    const field = fieldOf(where, i.path);
    return { field, message: i.message };
  });
  const first = issues[0] ?? { field: where, message: 'invalid' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new ApiError(400, 'E_BAD_REQUEST', `${first.field}: ${first.message}${more}`, first.field, issues);
}

/** HTTP status for a harness error code. */
function statusFor(code: string): number {
  switch (code) {
    case ERROR_CODES.USAGE: case ERROR_CODES.PLAN_INVALID: case ERROR_CODES.RIG_INVALID:
    case ERROR_CODES.DURATION_INVALID: case ERROR_CODES.CONFIG_INVALID:
      return 400;
    case ERROR_CODES.UNKNOWN_STATION:
      return 404;
    case ERROR_CODES.NOT_CONNECTED: case ERROR_CODES.INVALID_STATE: case ERROR_CODES.UNSUPPORTED:
      return 409;
    case ERROR_CODES.CALL_TIMEOUT:
      return 504;
    default:
      return 502;
  }
}

/** Any error a handler threw, as an ApiError: harness errors keep their code; an OCPP CALLERROR is a 502 naming its code. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isHarnessError(err)) return new ApiError(statusFor(err.code), err.code, err.message);
  const e = err as { name?: string; rpcErrorCode?: string; message?: string; type?: string; status?: number };
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'E_BAD_REQUEST', `body: not valid JSON: ${e.message ?? ''}`, 'body');
  if (e?.type === 'entity.too.large') return new ApiError(413, 'E_BAD_REQUEST', 'body: larger than the limit of 2 MB', 'body');
  if (e?.rpcErrorCode) return new ApiError(502, 'E_CALLERROR', `the station answered CALLERROR ${e.rpcErrorCode}: ${e.message ?? ''}`);
  if (e?.name === 'TimeoutError') return new ApiError(504, ERROR_CODES.CALL_TIMEOUT, e.message ?? 'timed out');
  return new ApiError(500, 'E_INTERNAL', `internal error: ${e?.message ?? String(err)}`);
}
