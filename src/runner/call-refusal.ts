/**
 * A station's refusal of an operation as a result, not a harness error: a CALLERROR answer
 * (NotImplemented, NotSupported, ...) or no answer within the call timeout. The trigger step keeps
 * it as the step's `answer` so that a probe records what a charger supports.
 */
import { ERROR_CODES, isHarnessError } from '../core/errors.js';
import type { FailureCause } from './results.js';

export interface CallRefusal {
  /** The CALLERROR code, or "timeout" when no answer came. */
  callError: string;
  description: string;
}

/** The refusal an error from a trigger adapter stands for, or undefined when it is something else. */
export function callRefusal(err: unknown): CallRefusal | undefined {
  if (isHarnessError(err) && err.code === ERROR_CODES.CALL_TIMEOUT) return { callError: 'timeout', description: err.message };
  const code = (err as { rpcErrorCode?: unknown } | null)?.rpcErrorCode;
  if (typeof code === 'string') return { callError: code, description: (err as Error).message };
  return undefined;
}

export function isCallRefusal(answer: unknown): answer is CallRefusal {
  return typeof answer === 'object' && answer !== null && typeof (answer as CallRefusal).callError === 'string';
}

/** unsupported: the device says it lacks the operation; timeout: no answer; error: any other CALLERROR. */
export function refusalCause(r: CallRefusal): FailureCause {
  if (r.callError === 'NotImplemented' || r.callError === 'NotSupported') return 'unsupported';
  return r.callError === 'timeout' ? 'timeout' : 'error';
}
