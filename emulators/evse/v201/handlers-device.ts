/**
 * OCPP 2.0.1 device-model and diagnostics handlers: GetVariables / SetVariables (B05, B06),
 * GetBaseReport / GetReport (B07, B08), TriggerMessage (F06), UpdateFirmware (L01).
 */
import { createRPCError } from 'ocpp-rpc';
import { isoTime } from '../../../src/core/clock.js';
import { parseTimestamp } from '../smart-charging/index.js';
import type { ChargeStation } from '../station.js';
import {
  type ComponentCriterion, type ComponentRef, DeviceModel, type GetVariableData, ITEMS_PER_MESSAGE, type ReportBase, type ReportData,
  type SetVariableData, splitReport, stationHost, type VariableRef,
} from './device-model.js';
import { meterValues201 } from './dialect.js';
import { afterResponse, evseOf, info, type HandlerTable201, sendQuietly, stateOf } from './handlers-common.js';

/** Time between two firmware status steps (ms). */
export const FIRMWARE_STEP_MS = 2000;

type TriggerMessageName =
  | 'BootNotification' | 'LogStatusNotification' | 'FirmwareStatusNotification' | 'Heartbeat' | 'MeterValues' | 'SignChargingStationCertificate'
  | 'SignV2GCertificate' | 'StatusNotification' | 'TransactionEvent' | 'SignCombinedCertificate' | 'PublishFirmwareStatusNotification';

interface UpdateFirmwareReq {
  requestId: number;
  firmware: { location: string; retrieveDateTime: string; installDateTime?: string };
}

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
      case 'LogStatusNotification':
        return later(() => sendQuietly(s, 'LogStatusNotification', { status: 'Idle' }));
      default:
        return { status: 'NotImplemented' };
    }
  },

  UpdateFirmware: (p: UpdateFirmwareReq, s) => {
    const fw = stateOf(s).firmware;
    const canceled = fw.active;
    const generation = ++fw.generation;
    Object.assign(fw, { active: true, status: 'Idle', requestId: p.requestId });
    afterResponse(s, 'UpdateFirmware', () => runFirmwareUpdate(s, generation, p));
    return { status: canceled ? 'AcceptedCanceled' : 'Accepted' };
  },
};

/**
 * L01: [DownloadScheduled, wait] Downloading, Downloaded, [InstallScheduled, wait] Installing,
 * Installed, then reboot. A newer UpdateFirmware supersedes this one (its steps go quiet).
 */
async function runFirmwareUpdate(s: ChargeStation, generation: number, req: UpdateFirmwareReq): Promise<void> {
  const fw = stateOf(s).firmware;
  const live = (): boolean => fw.generation === generation;
  const send = async (status: string): Promise<void> => {
    if (!live()) return;
    fw.status = status;
    await s.call('FirmwareStatusNotification', { status, requestId: req.requestId });
  };
  const waitUntil = async (iso: string | undefined, scheduled: string): Promise<void> => {
    const at = parseTimestamp(iso);
    const wait = at === undefined ? 0 : at - s.clock.wallTime();
    if (wait <= 0 || !live()) return;
    await send(scheduled).catch(() => undefined);
    await s.clock.sleep(wait);
  };
  await waitUntil(req.firmware.retrieveDateTime, 'DownloadScheduled');
  await s.ops.runStatusSteps(['Downloading', 'Downloaded'], FIRMWARE_STEP_MS, send, async () => {
    await waitUntil(req.firmware.installDateTime, 'InstallScheduled');
    await s.ops.runStatusSteps(['Installing', 'Installed'], FIRMWARE_STEP_MS, send, async () => {
      if (!live()) return;
      fw.active = false;
      fw.status = 'Idle';
      await s.reboot('Soft', 'FirmwareUpdate');
    });
  });
}
