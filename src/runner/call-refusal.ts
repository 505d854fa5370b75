/**
 * A station's refusal of an operation as a result, not a harness error: a CALLERROR answer
 * (NotImplemented, NotSupported, ...), no answer within the call timeout, or a link that dropped
 * (or was not up) while the CSMS waited for the answer (a charger that exits on Reset). The trigger
 * step keeps it as the step's `answer` so that a probe records what a charger supports.
 */
import { ERROR_CODES, isHarnessError } from '../core/errors.js';
import type { FailureCause } from './results.js';

export interface CallRefusal {
  /** The CALLERROR code, "timeout" when no answer came, "disconnected" when the link went away first. */
  callError: string;
  description: string;
}

/**
 * ocpp-rpc rejects every call still waiting for its answer with an AbortError whose message is
 * "Client disconnected" (the socket closed or dropped) or "Client going away" (the link is being
 * closed on our side). Any other AbortError is a cancellation of ours, not the station's doing.
 */
const LINK_LOST_MESSAGES = ['Client disconnected', 'Client going away'];

function linkLost(err: unknown): boolean {
  if (isHarnessError(err)) return err.code === ERROR_CODES.NOT_CONNECTED;
  return err instanceof Error && err.name === 'AbortError' && LINK_LOST_MESSAGES.includes(err.message);
}

/** The refusal an error from a trigger adapter stands for, or undefined when it is something else. */
export function callRefusal(err: unknown): CallRefusal | undefined {
  if (isHarnessError(err) && err.code === ERROR_CODES.CALL_TIMEOUT) return { callError: 'timeout', description: err.message };
  if (linkLost(err)) return { callError: 'disconnected', description: (err as Error).message };
  const code = (err as { rpcErrorCode?: unknown } | null)?.rpcErrorCode;
  if (typeof code === 'string') return { callError: code, description: (err as Error).message };
  return undefined;
}

export function isCallRefusal(answer: unknown): answer is CallRefusal {
  return typeof answer === 'object' && answer !== null && typeof (answer as CallRefusal).callError === 'string';
}

/** unsupported: the device says it lacks the operation; timeout: no answer; disconnected: the link went away; error: any other CALLERROR. */
export function refusalCause(r: CallRefusal): FailureCause {
  if (r.callError === 'NotImplemented' || r.callError === 'NotSupported') return 'unsupported';
  if (r.callError === 'disconnected') return 'disconnected';
  return r.callError === 'timeout' ? 'timeout' : 'error';
}

/** How a refusal reads in a step's message: "no answer from X", "the link to X dropped before it answered", "CALLERROR C from X". */
export function refusalText(r: CallRefusal, station: string): string {
  if (r.callError === 'timeout') return `no answer from ${station}`;
  if (r.callError === 'disconnected') return `the link to ${station} went away before it answered`;
  return `CALLERROR ${r.callError} from ${station}`;
}
