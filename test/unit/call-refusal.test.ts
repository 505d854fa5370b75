/**
 * How a trigger's error becomes the station's answer: CALLERRORs, call timeouts and a link that went
 * away before the answer are refusals (a failed step with its cause), anything else stays an error.
 * The link-lost shape is what ocpp-rpc 2.x rejects a pending call with when the socket closes.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { callRefusal, refusalCause, refusalText } from '../../src/runner/call-refusal.js';

function abortError(message: string): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}

describe('callRefusal', () => {
  it('a link lost while the CSMS waits is a "disconnected" refusal with cause disconnected', () => {
    for (const err of [abortError('Client disconnected'), abortError('Client going away'),
      new HarnessError(ERROR_CODES.NOT_CONNECTED, 'CSMS cannot send Reset to CB16-01: station not connected')]) {
      const r = callRefusal(err);
      expect(r?.callError).toBe('disconnected');
      expect(refusalCause(r!)).toBe('disconnected');
      expect(refusalText(r!, 'CB16-01')).toBe('the link to CB16-01 went away before it answered');
    }
  });

  it('keeps CALLERRORs and timeouts apart, and leaves other errors (an abort of ours, a bug) alone', () => {
    const notImpl = Object.assign(new Error('nope'), { rpcErrorCode: 'NotImplemented' });
    expect(refusalCause(callRefusal(notImpl)!)).toBe('unsupported');
    expect(refusalCause(callRefusal(Object.assign(new Error('bad'), { rpcErrorCode: 'FormationViolation' }))!)).toBe('error');
    const timeout = callRefusal(new HarnessError(ERROR_CODES.CALL_TIMEOUT, 'Reset got no answer within 30000 ms'));
    expect(timeout?.callError).toBe('timeout');
    expect(refusalText(timeout!, 'CB16-01')).toBe('no answer from CB16-01');
    expect(callRefusal(abortError('This operation was aborted'))).toBeUndefined();
    expect(callRefusal(new TypeError('x is undefined'))).toBeUndefined();
    expect(callRefusal(new HarnessError(ERROR_CODES.UNKNOWN_STATION, 'unknown station'))).toBeUndefined();
  });
});
