/**
 * Handlers of CSMS-initiated OCPP 2.0.1 operations, by family (handlers-*.ts). Every other action of
 * the 2.0.1 schema gets a NotSupported CALLERROR; actions outside the schema get ocpp-rpc's
 * NotImplemented (no wildcard handler).
 */
import { createRPCError } from 'ocpp-rpc';
import type { OcppLink } from '../../../src/transport/ocpp-link.js';
import type { Payload } from '../../../src/transport/ocpp-types.js';
import type { ChargeStation } from '../station.js';
import type { On } from './handlers-common.js';
import { registerDeviceHandlers } from './handlers-device.js';
import { registerSmartChargingHandlers } from './handlers-smart.js';
import { listenToStation, registerTransactionHandlers } from './handlers-tx.js';

/** Every action of the OCPP 2.0.1 schema (ocpp-rpc's ocpp2_0_1.json), either direction. */
export const OCPP201_ACTIONS: readonly string[] = [
  'Authorize', 'BootNotification', 'CancelReservation', 'CertificateSigned', 'ChangeAvailability', 'ClearCache',
  'ClearChargingProfile', 'ClearDisplayMessage', 'ClearedChargingLimit', 'ClearVariableMonitoring', 'CostUpdated',
  'CustomerInformation', 'DataTransfer', 'DeleteCertificate', 'FirmwareStatusNotification', 'Get15118EVCertificate',
  'GetBaseReport', 'GetCertificateStatus', 'GetChargingProfiles', 'GetCompositeSchedule', 'GetDisplayMessages',
  'GetInstalledCertificateIds', 'GetLocalListVersion', 'GetLog', 'GetMonitoringReport', 'GetReport', 'GetTransactionStatus',
  'GetVariables', 'Heartbeat', 'InstallCertificate', 'LogStatusNotification', 'MeterValues', 'NotifyChargingLimit',
  'NotifyCustomerInformation', 'NotifyDisplayMessages', 'NotifyEVChargingNeeds', 'NotifyEVChargingSchedule', 'NotifyEvent',
  'NotifyMonitoringReport', 'NotifyReport', 'PublishFirmware', 'PublishFirmwareStatusNotification', 'ReportChargingProfiles',
  'RequestStartTransaction', 'RequestStopTransaction', 'ReservationStatusUpdate', 'ReserveNow', 'Reset',
  'SecurityEventNotification', 'SendLocalList', 'SetChargingProfile', 'SetDisplayMessage', 'SetMonitoringBase',
  'SetMonitoringLevel', 'SetNetworkProfile', 'SetVariableMonitoring', 'SetVariables', 'SignCertificate', 'StatusNotification',
  'TransactionEvent', 'TriggerMessage', 'UnlockConnector', 'UnpublishFirmware', 'UpdateFirmware',
];

type Handler201 = (params: never) => Payload | Promise<Payload>;

/** The station's handler table, built once per station (not per connection). */
const TABLES = new WeakMap<ChargeStation, Map<string, Handler201>>();

function tableOf(station: ChargeStation): Map<string, Handler201> {
  let table = TABLES.get(station);
  if (!table) {
    const t = new Map<string, Handler201>();
    const on: On = (action, handler) => { t.set(action, handler as Handler201); };
    registerTransactionHandlers(on, station);
    registerSmartChargingHandlers(on, station);
    registerDeviceHandlers(on, station);
    TABLES.set(station, t);
    table = t;
  }
  return table;
}

/**
 * Register the 2.0.1 handlers on a new connection with one dispatcher; returns the actions handled.
 * Every other action of the schema answers NotSupported.
 */
export function install(link: OcppLink, station: ChargeStation): string[] {
  const table = tableOf(station);
  link.handleMany(OCPP201_ACTIONS, (ctx) => {
    const handler = table.get(ctx.action);
    if (!handler) throw createRPCError('NotSupported', `${ctx.action} is not supported by this charging station`);
    return handler(ctx.params as never);
  });
  listenToStation(station);
  return [...table.keys()];
}
