/**
 * OCPP 2.0.1 device-model and diagnostics handlers: GetVariables / SetVariables (B05, B06),
 * GetBaseReport / GetReport (B07, B08), TriggerMessage (F06); UpdateFirmware (L01) and GetLog (N01)
 * from handlers-transfer.ts.
 */
import { createRPCError } from 'ocpp-rpc';
import { isoTime } from '../../../src/core/clock.js';
import type { ChargeStation } from '../station.js';
import {
  type ComponentCriterion, type ComponentRef, DeviceModel, type GetVariableData, ITEMS_PER_MESSAGE, type ReportBase, type ReportData,
  type SetVariableData, splitReport, stationHost, type VariableRef,
} from './device-model.js';
import { meterValues201 } from './dialect.js';
import { afterResponse, evseOf, info, type HandlerTable201, sendQuietly, stateOf } from './handlers-common.js';
import { TRANSFER_HANDLERS_201, triggeredLogStatus } from './handlers-transfer.js';

export { FIRMWARE_STEP_MS } from './handlers-transfer.js';

type TriggerMessageName =
  | 'BootNotification' | 'LogStatusNotification' | 'FirmwareStatusNotification' | 'Heartbeat' | 'MeterValues' | 'SignChargingStationCertificate'
  | 'SignV2GCertificate' | 'StatusNotification' | 'TransactionEvent' | 'SignCombinedCertificate' | 'PublishFirmwareStatusNotification';

/** Each station's device model, built on first use: most stations are never asked for their variables. */
const MODELS = new WeakMap<ChargeStation, DeviceModel>();

function modelOf(s: ChargeStation): DeviceModel {
  let m = MODELS.get(s);
  if (!m) MODELS.set(s, (m = new DeviceModel(stationHost(s))));
  return m;
}

/** A numeric limit setting of the station (0 when unset: no limit). */
function limitOf(s: ChargeStation, key: string): number {
  return Number(s.setting(key) ?? '0');
}

/** GetBaseReport / GetReport answer; the NotifyReports (split by ItemsPerMessage[GetReport]) follow it. */
function report(s: ChargeStation, requestId: number, data: ReportData[]): { status: string } {
  if (data.length === 0) return { status: 'EmptyResultSet' };
  const messages = splitReport(requestId, isoTime(s.clock.wallTime()), data, limitOf(s, ITEMS_PER_MESSAGE.GetReport));
  afterResponse(s, 'NotifyReport', async () => {
    for (const m of messages) await sendQuietly(s, 'NotifyReport', m);
  });
  return { status: 'Accepted' };
}

export const DEVICE_HANDLERS_201: HandlerTable201 = {
  GetVariables: (p: { getVariableData: GetVariableData[] }, s) => {
    const max = limitOf(s, ITEMS_PER_MESSAGE.GetVariables);
    if (max > 0 && p.getVariableData.length > max) {
      throw createRPCError('OccurrenceConstraintViolation', `at most ${max} getVariableData per request (DeviceDataCtrlr.ItemsPerMessage[GetVariables])`);
    }
    return { getVariableResult: p.getVariableData.map((d) => modelOf(s).get(d)) };
  },

  SetVariables: (p: { setVariableData: SetVariableData[] }, s) => {
    const max = limitOf(s, ITEMS_PER_MESSAGE.SetVariables);
    if (max > 0 && p.setVariableData.length > max) {
      throw createRPCError('OccurrenceConstraintViolation', `at most ${max} setVariableData per request (DeviceDataCtrlr.ItemsPerMessage[SetVariables])`);
    }
    return { setVariableResult: p.setVariableData.map((d) => modelOf(s).set(d)) };
  },

  GetBaseReport: (p: { requestId: number; reportBase: ReportBase }, s) => report(s, p.requestId, modelOf(s).baseReport(p.reportBase)),

  GetReport: (p: { requestId: number; componentVariable?: { component: ComponentRef; variable?: VariableRef }[]; componentCriteria?: ComponentCriterion[] }, s) =>
    report(s, p.requestId, modelOf(s).customReport(p.componentVariable, p.componentCriteria)),

  TriggerMessage: (p: { requestedMessage: TriggerMessageName; evse?: { id: number; connectorId?: number } }, s) => {
    if (p.evse && (!evseOf(s, p.evse.id) || (p.evse.connectorId ?? 1) !== 1)) {
      return { status: 'Rejected', statusInfo: info('UnknownEvse', `no EVSE/connector ${p.evse.id}/${p.evse.connectorId ?? ''}`) };
    }
    const targets = p.evse ? [s.sessions.connector(p.evse.id)] : s.sessions.connectors;
    const later = (fn: () => unknown): { status: 'Accepted' } => {
      afterResponse(s, `TriggerMessage ${p.requestedMessage}`, fn);
      return { status: 'Accepted' };
    };
    switch (p.requestedMessage) {
      case 'BootNotification':
        // F06.FR.17: not after the boot was accepted
        if (s.state === 'Accepted') return { status: 'Rejected', statusInfo: info('NotApplicable', 'BootNotification already accepted') };
        return later(() => s.sendBoot());
      case 'Heartbeat':
        return later(() => s.sendHeartbeat());
      case 'StatusNotification':
        return later(async () => {
          for (const c of targets) {
            const call = s.dialect.statusNotification(c);
            await sendQuietly(s, call.action, call.payload);
          }
        });
      case 'MeterValues':
        return later(async () => {
          for (const c of targets) {
            const call = meterValues201(c.id, s.clock.wallTime(), s.sessions.sampleNow(c.id), 'Trigger');
            await sendQuietly(s, call.action, call.payload);
          }
        });
      case 'TransactionEvent': {
        if (!targets.some((c) => c.tx)) return { status: 'Rejected', statusInfo: info('NoTransaction', 'no transaction running') };
        return later(() => {
          for (const c of targets) {
            const tx = c.tx;
            if (!tx) continue;
            const call = s.dialect.txUpdated(c, tx, s.sessions.sampleNow(c.id), 'Trigger');
            if (call) s.queue.enqueue(call.action, call.payload, tx.localTxId);
          }
        });
      }
      case 'FirmwareStatusNotification': {
        const fw = stateOf(s).firmware;
        return later(() => sendQuietly(s, 'FirmwareStatusNotification', fw.active && fw.requestId !== undefined ? { status: fw.status, requestId: fw.requestId } : { status: 'Idle' }));
      }
      case 'LogStatusNotification': {
        const log = triggeredLogStatus(s);
        return later(() => sendQuietly(s, 'LogStatusNotification', log));
      }
      default:
        return { status: 'NotImplemented' };
    }
  },

  ...TRANSFER_HANDLERS_201,
};
