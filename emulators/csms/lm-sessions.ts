/**
 * What the CSMS hands its load manager: the active, not deauthorized sessions of its transaction
 * book, each with its connector's last status (the load manager leaves out those that cannot draw).
 */
import { sessionConnectorStatus, type LmSession } from './load-manager.js';
import type { ConnectorStatus, TransactionBook } from './transactions.js';

export function activeLmSessions(book: TransactionBook, defaultPhases: LmSession['phases']): LmSession[] {
  const statuses = new Map<string, ConnectorStatus[]>();
  const statusesOf = (station: string): ConnectorStatus[] => {
    let list = statuses.get(station);
    if (!list) statuses.set(station, list = book.connectorStatuses(station));
    return list;
  };
  return book.active()
    .filter((t) => t.authorized !== false && t.evseId > 0)
    .map((t) => ({
      station: t.station, version: t.version, evseId: t.evseId, transactionId: t.transactionId, phases: t.phases ?? defaultPhases, energyWh: t.energyWh,
      connectorStatus: sessionConnectorStatus(statusesOf(t.station), t.evseId, t.connectorId),
    }));
}
