/**
 * Handlers of CSMS-initiated OCPP 2.0.1 operations, by family (handlers-*.ts). Every other action of
 * the 2.0.1 schema gets a NotSupported CALLERROR; actions outside the schema get ocpp-rpc's
 * NotImplemented (no wildcard handler).
 */
import { createRPCError } from 'ocpp-rpc';
import type { OcppLink } from '../../../src/transport/ocpp-link.js';
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

/** Register the 2.0.1 handlers on a new connection; returns the actions handled (the rest answer NotSupported). */
export function install(link: OcppLink, station: ChargeStation): string[] {
  const handled: string[] = [];
  const on: On = (action, handler) => {
    handled.push(action);
    link.handle(action, (ctx) => handler(ctx.params as never));
  };
  registerTransactionHandlers(on, station);
  registerSmartChargingHandlers(on, station);
  registerDeviceHandlers(on, station);
  for (const action of OCPP201_ACTIONS) {
    if (handled.includes(action)) continue;
    link.handle(action, () => {
      throw createRPCError('NotSupported', `${action} is not supported by this charging station`);
    });
  }
  listenToStation(station);
  return handled;
}
