import type { Trace } from '../../src/core/trace.js';
import type { QuirkFiring } from './types.js';

/**
 * The firing helper every device uses: `fire` writes one `{kind:'quirk'}` trace record (the
 * runner collects these as evidence) and calls `onTouch`; `touch` only calls `onTouch` (a device
 * that lists the quirks shaping a transaction, as the meter does, counts it there).
 */
export function quirkFiring(trace: Trace, device: string, quirk: string, onTouch: () => void = () => undefined): QuirkFiring {
  return {
    fire(detail?: string): void {
      trace.record({ kind: 'quirk', device, quirk, ...(detail === undefined ? {} : { detail }) });
      onTouch();
    },
    touch: onTouch,
  };
}
