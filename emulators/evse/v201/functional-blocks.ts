/**
 * OCPP 2.0.1 functional blocks (Part 2, chapters A-P) of the CSMS-initiated operations, so that a
 * station configured with `features` refuses the operations of blocks it does not implement, as a
 * charger without that block would. Provisioning (B) and the core of Security (A) are always there.
 */

/** Functional block of each CSMS-initiated 2.0.1 action (actions not listed are always offered). */
export const FUNCTIONAL_BLOCK_OF: Readonly<Record<string, string>> = {
  ClearCache: 'Authorization',
  SendLocalList: 'LocalAuthorizationListManagement', GetLocalListVersion: 'LocalAuthorizationListManagement',
  GetTransactionStatus: 'Transactions',
  RequestStartTransaction: 'RemoteControl', RequestStopTransaction: 'RemoteControl', UnlockConnector: 'RemoteControl', TriggerMessage: 'RemoteControl',
  ChangeAvailability: 'Availability',
  ReserveNow: 'Reservation', CancelReservation: 'Reservation',
  CostUpdated: 'TariffAndCost',
  SetChargingProfile: 'SmartCharging', ClearChargingProfile: 'SmartCharging', GetChargingProfiles: 'SmartCharging', GetCompositeSchedule: 'SmartCharging',
  UpdateFirmware: 'FirmwareManagement', PublishFirmware: 'FirmwareManagement', UnpublishFirmware: 'FirmwareManagement',
  InstallCertificate: 'ISO15118CertificateManagement', DeleteCertificate: 'ISO15118CertificateManagement', GetInstalledCertificateIds: 'ISO15118CertificateManagement',
  GetLog: 'Diagnostics', SetVariableMonitoring: 'Diagnostics', SetMonitoringBase: 'Diagnostics', SetMonitoringLevel: 'Diagnostics',
  GetMonitoringReport: 'Diagnostics', ClearVariableMonitoring: 'Diagnostics', CustomerInformation: 'Diagnostics',
  SetDisplayMessage: 'DisplayMessage', GetDisplayMessages: 'DisplayMessage', ClearDisplayMessage: 'DisplayMessage',
  DataTransfer: 'DataTransfer',
};

/** Whether a station with these functional blocks (undefined: all) offers `action`. */
export function blockOffers(features: readonly string[] | undefined, action: string): boolean {
  if (features === undefined) return true;
  const block = FUNCTIONAL_BLOCK_OF[action];
  return block === undefined || features.includes(block);
}
