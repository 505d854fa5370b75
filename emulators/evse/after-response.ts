import type { ChargeStation } from './station.js';

/**
 * Run `fn` after the CALLRESULT of the handler now running has been written (the spec orders the
 * answer before the effects it announces: the StatusNotification after ChangeAvailability, the
 * transaction after RemoteStart). Errors, including sends while offline, are traced, never thrown.
 */
export function afterResponse(station: ChargeStation, label: string, fn: () => unknown): void {
  station.clock.defer(() => {
    Promise.resolve()
      .then(fn)
      .catch((err: unknown) => station.trace.record({
        kind: 'device', device: station.identity, event: 'after-response-failed',
        data: `${label}: ${err instanceof Error ? err.message : String(err)}`,
      }));
  });
}
