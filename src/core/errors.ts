/**
 * Harness errors with stable codes, grouped by layer. A device failing an expectation is a test
 * result, never a HarnessError; a missing port, a malformed rig or an unreachable peer is.
 */
export const ERROR_CODES = {
  // usage / input (exit 2)
  USAGE: 'E_USAGE',
  RIG_INVALID: 'E_RIG_INVALID',
  PLAN_INVALID: 'E_PLAN_INVALID',
  DURATION_INVALID: 'E_DURATION_INVALID',
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  // infrastructure (exit 3)
  PORT_IN_USE: 'E_PORT_IN_USE',
  CONNECT_FAILED: 'E_CONNECT_FAILED',
  PEER_GONE: 'E_PEER_GONE',
  TLS_SETUP: 'E_TLS_SETUP',
  TRACE_IO: 'E_TRACE_IO',
  OUTPUT_IO: 'E_OUTPUT_IO',
  /** A worker process of a fleet (emulate --workers) failed to start or died. */
  WORKER_FAILED: 'E_WORKER_FAILED',
  // protocol / runtime
  CALL_TIMEOUT: 'E_CALL_TIMEOUT',
  NOT_CONNECTED: 'E_NOT_CONNECTED',
  UNKNOWN_STATION: 'E_UNKNOWN_STATION',
  INVALID_STATE: 'E_INVALID_STATE',
  CLOCK_MISUSE: 'E_CLOCK_MISUSE',
  // a device lacks a capability a step needs (a test result: failed with cause "unsupported")
  UNSUPPORTED: 'E_UNSUPPORTED',
  /** A firmware download or log upload failed (no answer, refused, HTTP/FTP error, too large). */
  TRANSFER_FAILED: 'E_TRANSFER_FAILED',
  /** A control-stack API refused or failed a request (HTTP error status, `success: false`). */
  ADAPTER_FAILED: 'E_ADAPTER_FAILED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Exit code the CLI uses for an error of this code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case ERROR_CODES.USAGE:
    case ERROR_CODES.RIG_INVALID:
    case ERROR_CODES.PLAN_INVALID:
    case ERROR_CODES.DURATION_INVALID:
    case ERROR_CODES.CONFIG_INVALID:
      return 2;
    default:
      return 3;
  }
}

export class HarnessError extends Error {
  readonly code: ErrorCode;
  /** Free-form context: file, field path, device, link. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
    this.details = details;
  }
}

export function isHarnessError(err: unknown): err is HarnessError {
  return err instanceof HarnessError;
}
