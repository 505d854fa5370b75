/**
 * Handlers of the CSMS-initiated OCPP 1.6 operations. Core and Remote Trigger live here; the other
 * feature profiles in handlers-smart.ts, handlers-local.ts and handlers-firmware.ts, the
 * configuration logic in handlers-config.ts.
 *
 * Effects that make the station send something (a transaction starting or stopping, a status
 * change, a triggered message, a reboot) run after the CALLRESULT has gone out (`afterResponse`),
 * the order a real charger keeps. Actions without a handler are answered NotImplemented by ocpp-rpc.
 */
import { isoTime } from '../../../src/core/clock.js';
import type { OcppLink } from '../../../src/transport/ocpp-link.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { Connector } from '../connector.js';
import type { OutgoingCall } from '../dialect.js';
import type { NormalizedProfile } from '../smart-charging/index.js';
import type { ChargeStation } from '../station.js';
import {
  type HandlerTable, afterResponse, localTxOf, measurandFilter, meterValue16, note, sendQuietly, validConnector,
} from './handlers-common.js';
import { changeConfiguration, getConfiguration, getConfigurationPayload } from './handlers-config.js';
import { FIRMWARE_HANDLERS, triggeredDiagnosticsStatus, triggeredFirmwareStatus } from './handlers-firmware.js';
import { LOCAL_HANDLERS } from './handlers-local.js';
import { SMART_CHARGING_HANDLERS, checkProfile16 } from './handlers-smart.js';

/**
 * The connector a RemoteStartTransaction would start on (the requested one, or the first free
 * one), or undefined when it must be Rejected. Mirrors StationOperations.remoteStart's checks so
 * that the answer can go out before the start itself.
 */
export function remoteStartTarget(station: ChargeStation, idTag: string, connectorId?: number): Connector | undefined {
  const all = station.sessions.connectors;
  const c = connectorId !== undefined
    ? all[connectorId - 1]
    : all.find((x) => !x.tx && !x.pendingAuth && x.operative && !x.fault && !x.reservation);
  if (!c || c.tx || c.pendingAuth || !c.operative || c.fault) return undefined;
  if (c.reservation && c.reservation.idTag !== idTag) return undefined;
  return c;
}

/** ChangeAvailability answer for the current state (what StationOperations.changeAvailability will do). */
export function availabilityVerdict(station: ChargeStation, connectorId: number, operative: boolean): 'Accepted' | 'Rejected' | 'Scheduled' {
  if (!validConnector(station, connectorId, true)) return 'Rejected';
  const targets = connectorId === 0 ? station.sessions.connectors : [station.sessions.connector(connectorId)];
  return targets.some((c) => c.tx && c.operative !== operative) ? 'Scheduled' : 'Accepted';
}

/** StatusNotification for connector 0 (the charge point as a whole). */
export function stationStatusNotification(station: ChargeStation): OutgoingCall {
  const all = station.sessions.connectors;
  const status = all.length > 0 && all.every((c) => !c.operative) ? 'Unavailable' : 'Available';
  return { action: 'StatusNotification', payload: { connectorId: 0, errorCode: 'NoError', status, timestamp: isoTime(station.clock.wallTime()) } };
}

/** MeterValues of a connector now, for a TriggerMessage (without transactionId: see sendTriggeredMeterValues). */
export function triggeredMeterValues(station: ChargeStation, c: Connector): OutgoingCall {
  const sample = station.sessions.sampleNow(c.id).filter(measurandFilter(station.setting('MeterValuesSampledData')));
  return { action: 'MeterValues', payload: { connectorId: c.id, meterValue: [meterValue16(station.clock.wallTime(), sample, 'Trigger')] } };
}

/**
 * Send a triggered MeterValues. During a transaction it is a transaction-related message: it goes
 * through the transaction queue, in order after the StartTransaction, and carries the CSMS
 * transactionId filled in at send time (prepareQueued), even when the StartTransaction was not
 * answered yet when the trigger came. Outside a transaction it goes out at once, without one.
 */
async function sendTriggeredMeterValues(station: ChargeStation, c: Connector): Promise<void> {
  const call = triggeredMeterValues(station, c);
  if (c.tx) station.queue.enqueue(call.action, call.payload, c.tx.localTxId);
  else await sendQuietly(station, call.action, call.payload);
}

const TRIGGERS: Record<string, (station: ChargeStation, connectorId: number | undefined) => Promise<void>> = {
  BootNotification: (s) => s.sendBoot(),
  Heartbeat: (s) => s.sendHeartbeat(),
  StatusNotification: async (s, id) => {
    const calls = id === 0 ? [stationStatusNotification(s)]
      : (id === undefined ? s.sessions.connectors : [s.sessions.connector(id)]).map((c) => s.dialect.statusNotification(c));
    await Promise.all(calls.map((m) => sendQuietly(s, m.action, m.payload)));
  },
  MeterValues: async (s, id) => {
    const connectors = id === undefined || id === 0 ? s.sessions.connectors : [s.sessions.connector(id)];
    await Promise.all(connectors.map((c) => sendTriggeredMeterValues(s, c)));
  },
  FirmwareStatusNotification: (s) => sendQuietly(s, 'FirmwareStatusNotification', { status: triggeredFirmwareStatus(s) }),
  DiagnosticsStatusNotification: (s) => sendQuietly(s, 'DiagnosticsStatusNotification', { status: triggeredDiagnosticsStatus(s) }),
};

export const CORE_HANDLERS: HandlerTable = {
  RemoteStartTransaction: (params, station) => {
    const idTag = String(params.idTag);
    const requested = params.connectorId;
    if (requested !== undefined && !validConnector(station, requested, false)) return { status: 'Rejected' };
    const c = remoteStartTarget(station, idTag, requested);
    if (!c) return { status: 'Rejected' };
    let profile: NormalizedProfile | undefined;
    if (params.chargingProfile !== undefined) {
      const { transactionId: _ignored, ...raw } = params.chargingProfile as Payload;
      if (raw.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
      const checked = checkProfile16(station, c.id, raw);
      if (!checked.ok) {
        note(station, 'remote-start-rejected', checked.reason);
        return { status: 'Rejected' };
      }
      profile = checked.profile;
    }
    const connectorId = c.id;
    afterResponse(station, 'remote start', async () => {
      const started = await station.ops.remoteStart(idTag, connectorId, profile);
      if (started === undefined) note(station, 'remote-start-failed', { idTag, connectorId });
    });
    return { status: 'Accepted' };
  },

  RemoteStopTransaction: (params, station) => {
    const local = localTxOf(station, Number(params.transactionId));
    if (local === undefined) return { status: 'Rejected' };
    afterResponse(station, 'remote stop', () => station.ops.remoteStop(local));
    return { status: 'Accepted' };
  },

  Reset: (params, station) => {
    const kind = params.type === 'Hard' ? 'Hard' : 'Soft';
    afterResponse(station, `${kind} reset`, () => station.reboot(kind));
    return { status: 'Accepted' };
  },

  ChangeAvailability: (params, station) => {
    const connectorId = Number(params.connectorId);
    const operative = params.type === 'Operative';
    const status = availabilityVerdict(station, connectorId, operative);
    if (status !== 'Rejected') afterResponse(station, 'change availability', () => station.ops.changeAvailability(connectorId, operative));
    return { status };
  },

  ChangeConfiguration: (params, station) => {
    const key = String(params.key);
    const value = String(params.value);
    const r = changeConfiguration(station.memory.settings, key, value);
    if (r.status === 'Accepted' && r.value !== undefined) station.setSetting(key, r.value);
    note(station, 'change-configuration', { key, value, status: r.status, reason: r.reason });
    return { status: r.status };
  },

  GetConfiguration: (params, station) => {
    const keys = Array.isArray(params.key) ? params.key.map(String) : undefined;
    return getConfigurationPayload(getConfiguration(station.memory.settings, keys));
  },

  UnlockConnector: (params, station) => {
    const connectorId = params.connectorId;
    if (!validConnector(station, connectorId, false)) return { status: 'NotSupported' };
    afterResponse(station, 'unlock', () => station.ops.unlock(connectorId));
    return { status: 'Unlocked' };
  },

  DataTransfer: (params, station) => ({ status: params.vendorId === station.config.vendor ? 'UnknownMessageId' : 'UnknownVendorId' }),

  TriggerMessage: (params, station) => {
    const requested = String(params.requestedMessage);
    const connectorId = params.connectorId;
    const run = TRIGGERS[requested];
    if (!run) return { status: 'NotImplemented' };
    if (connectorId !== undefined && !validConnector(station, connectorId, true)) return { status: 'Rejected' };
    afterResponse(station, `trigger ${requested}`, () => run(station, connectorId as number | undefined));
    return { status: 'Accepted' };
  },
};

/** Feature profile each non-Core action belongs to (registered only when SupportedFeatureProfiles lists it). */
const FEATURE_OF: Record<string, string> = {
  SetChargingProfile: 'SmartCharging', ClearChargingProfile: 'SmartCharging', GetCompositeSchedule: 'SmartCharging',
  SendLocalList: 'LocalAuthListManagement', GetLocalListVersion: 'LocalAuthListManagement',
  ReserveNow: 'Reservation', CancelReservation: 'Reservation',
  UpdateFirmware: 'FirmwareManagement', GetDiagnostics: 'FirmwareManagement',
  TriggerMessage: 'RemoteTrigger',
};

/** Every 1.6 handler, by action. */
export const HANDLERS_16: HandlerTable = { ...CORE_HANDLERS, ...SMART_CHARGING_HANDLERS, ...LOCAL_HANDLERS, ...FIRMWARE_HANDLERS };

/** Handler tables by SupportedFeatureProfiles value, shared by every station with that value. */
const TABLES = new Map<string, HandlerTable>();

/** The handlers this station offers: Core plus its SupportedFeatureProfiles. */
export function handlersFor(station: ChargeStation): HandlerTable {
  const key = station.setting('SupportedFeatureProfiles') ?? '';
  let table = TABLES.get(key);
  if (!table) {
    const features = new Set(key.split(',').map((x) => x.trim()));
    table = Object.fromEntries(Object.entries(HANDLERS_16).filter(([action]) => {
      const feature = FEATURE_OF[action];
      return feature === undefined || features.has(feature);
    }));
    TABLES.set(key, table);
  }
  return table;
}

/** The actions of each shared handler table, listed once (every connection shares the list). */
const ACTIONS = new WeakMap<HandlerTable, readonly string[]>();

function actionsOf(table: HandlerTable): readonly string[] {
  let actions = ACTIONS.get(table);
  if (!actions) {
    actions = Object.keys(table);
    ACTIONS.set(table, actions);
  }
  return actions;
}

/** Register the 1.6 handlers on a new connection: one dispatcher (no wildcard: ocpp-rpc answers NotImplemented). */
export function installHandlers16(link: OcppLink, station: ChargeStation): void {
  const table = handlersFor(station);
  link.handleMany(actionsOf(table), (ctx) => (table[ctx.action] as HandlerTable[string])(ctx.params, station));
}
