import type { Connector } from './connector.js';

type Fault = NonNullable<Connector['fault']>;
import type { Sessions } from './sessions.js';

/**
 * Change one connector's fault causes and apply the result: the connector is Faulted while any
 * cause remains (the latest cause's code is reported). `set` adds a cause (after removing it, so it
 * becomes the latest); without `set` the cause is cleared (nothing happens when it was not there).
 */
export function applyConnectorFaults(sessions: Sessions, connector: number, set: ((faults: Map<string, Fault>) => void) | undefined, cause: string): void {
  const c: Connector = sessions.connector(connector);
  c.faults ??= new Map();
  const had = c.faults.delete(cause);
  if (set) set(c.faults);
  else if (!had) return;
  c.fault = c.faults.size > 0 ? [...c.faults.values()].at(-1) : undefined;
  sessions.limitsChanged();
  sessions.report(c);
}
