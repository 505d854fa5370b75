/** The charging-station quirk catalogue: one file per quirk, each with id, description, public source and a zod schema. */
import { QuirkRegistry } from '../../quirks/registry.js';
import { basicAuthAtProfile0 } from './basic-auth-at-profile-0.js';
import { clockDrift } from './clock-drift.js';
import { dcReportsAcVoltage } from './dc-reports-ac-voltage.js';
import { delayResponses } from './delay-responses.js';
import { dropResponses } from './drop-responses.js';
import { duplicateStopAfterReconnect } from './duplicate-stop-after-reconnect.js';
import { emptyCompositeSchedule } from './empty-composite-schedule.js';
import { emptyFrames } from './empty-frames.js';
import { energyUnitMislabelled } from './energy-unit-mislabelled.js';
import { exitOnReset } from './exit-on-reset.js';
import { hostHeaderWithoutPort } from './host-header-without-port.js';
import { idTagCase } from './idtag-case.js';
import { ignoresChargingProfiles } from './ignores-charging-profiles.js';
import { incoherentEnergy } from './incoherent-energy.js';
import { localTimeTimestamps } from './local-time-timestamps.js';
import { messagesBeforeBootAccepted } from './messages-before-boot-accepted.js';
import { meterRegisterRollover } from './meter-register-rollover.js';
import { meterValuesZero } from './meter-values-zero.js';
import { missingNotifyReport } from './missing-notify-report.js';
import { noBootAfterReconnect } from './no-boot-after-reconnect.js';
import { noSubprotocolHeader } from './no-subprotocol-header.js';
import { noWsPong } from './no-ws-pong.js';
import { nonstandardMeterValueContext } from './nonstandard-metervalue-context.js';
import { probeConnectionBeforeRealOne } from './probe-connection-before-real-one.js';
import { seqNoReuse } from './seqno-reuse.js';
import { staleTransactionId } from './stale-transaction-id.js';
import { txLostOnReboot } from './tx-lost-on-reboot.js';
import { v201ErrorCodesOn16 } from './v201-error-codes-on-16.js';
import { wrongVersionFieldNames } from './wrong-version-field-names.js';
import type { StationQuirkDefinition } from './types.js';

export const STATION_QUIRKS = [
  basicAuthAtProfile0,
  clockDrift,
  dcReportsAcVoltage,
  delayResponses,
  dropResponses,
  duplicateStopAfterReconnect,
  emptyCompositeSchedule,
  emptyFrames,
  energyUnitMislabelled,
  exitOnReset,
  hostHeaderWithoutPort,
  idTagCase,
  ignoresChargingProfiles,
  incoherentEnergy,
  localTimeTimestamps,
  messagesBeforeBootAccepted,
  meterRegisterRollover,
  meterValuesZero,
  missingNotifyReport,
  noBootAfterReconnect,
  noSubprotocolHeader,
  noWsPong,
  nonstandardMeterValueContext,
  probeConnectionBeforeRealOne,
  seqNoReuse,
  staleTransactionId,
  txLostOnReboot,
  v201ErrorCodesOn16,
  wrongVersionFieldNames,
] as readonly StationQuirkDefinition[];

/** The station quirks by id, on the generic registry (a new one each call: no shared state). */
export function stationQuirkRegistry(): QuirkRegistry<StationQuirkDefinition> {
  return new QuirkRegistry<StationQuirkDefinition>('evse', STATION_QUIRKS);
}

export type { StationQuirk, StationQuirkDefinition, StationQuirkContext, StationEvent, Handshake } from './types.js';
