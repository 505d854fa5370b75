/**
 * Handlers of CSMS-initiated OCPP 2.0.1 operations, by family (handlers-*.ts). Every other action of
 * the 2.0.1 schema gets a NotSupported CALLERROR; actions outside the schema get ocpp-rpc's
 * NotImplemented (no wildcard handler).
 */
import { createRPCError } from 'ocpp-rpc';
import type { OcppLink } from '../../../src/transport/ocpp-link.js';
import type { ChargeStation } from '../station.js';
import type { Handler201, HandlerTable201 } from './handlers-common.js';
import { blockOffers } from './functional-blocks.js';
import { DEVICE_HANDLERS_201 } from './handlers-device.js';
import { SMART_CHARGING_HANDLERS_201 } from './handlers-smart.js';
import { listenToStation, TX_HANDLERS_201 } from './handlers-tx.js';

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

export type { Handler201, HandlerTable201 } from './handlers-common.js';

/**
 * Every 2.0.1 handler, by action: one table shared by every station (a handler gets the station as
 * its second argument; per-station state lives in handlers-common.ts `stateOf`).
 */
export const HANDLERS_201: HandlerTable201 = { ...TX_HANDLERS_201, ...SMART_CHARGING_HANDLERS_201, ...DEVICE_HANDLERS_201 };

/** The actions with a handler (install's answer), computed once. */
const HANDLED: readonly string[] = Object.keys(HANDLERS_201);

/**
 * Register the 2.0.1 handlers on a new connection with one dispatcher (the only closure allocated per
 * connection); returns the actions handled. Every other action of the schema answers NotSupported.
 */
export function install(link: OcppLink, station: ChargeStation): string[] {
  link.handleMany(OCPP201_ACTIONS, (ctx) => {
    const offered = blockOffers(station.config.features, ctx.action); // the station's functional blocks (config.features)
    const handler: Handler201 | undefined = offered && Object.hasOwn(HANDLERS_201, ctx.action) ? HANDLERS_201[ctx.action] : undefined;
    if (!handler) throw createRPCError('NotSupported', `${ctx.action} is not supported by this charging station`);
    return handler(ctx.params as never, station);
  });
  listenToStation(station);
  return [...HANDLED];
}
