/**
 * OCPP 2.0.1 file transfers: UpdateFirmware (L01, a real download, signature check, install, reboot,
 * the new version at the next boot) and GetLog (N01, a real upload of the station's log file), each
 * reporting its true outcome with FirmwareStatusNotification / LogStatusNotification. A newer request
 * cancels the one in progress (AcceptedCanceled). Transfers: ../transfer/.
 */
import type { Payload } from '../../../src/transport/ocpp-types.js';
import { parseTimestamp } from '../smart-charging/index.js';
import type { ChargeStation } from '../station.js';
import { buildLogFile, type LogKind, logFileName } from '../transfer/diagnostics-log.js';
import { parseSigningCertificate, verifyImageSignature } from '../transfer/firmware-image.js';
import { download, installImage, retryPlan, transferHost, upload } from '../transfer/station-transfer.js';
import { afterResponse, type HandlerTable201, info, note, stateOf } from './handlers-common.js';

/** Time the installation takes: before Installing and before Installed (ms). */
export const FIRMWARE_STEP_MS = 2000;

export interface UpdateFirmwareReq {
  requestId: number;
  retries?: number;
  retryInterval?: number;
  firmware: { location: string; retrieveDateTime: string; installDateTime?: string; signingCertificate?: string; signature?: string };
}

export interface GetLogReq {
  logType: LogKind;
  requestId: number;
  retries?: number;
  retryInterval?: number;
  log: { remoteLocation: string; oldestTimestamp?: string; latestTimestamp?: string };
}

interface TransferState {
  firmware?: AbortController | undefined;
  log?: { requestId: number; status: string; cancel: AbortController } | undefined;
}

const transfers = new WeakMap<ChargeStation, TransferState>();

function transfersOf(s: ChargeStation): TransferState {
  let t = transfers.get(s);
  if (!t) transfers.set(s, (t = {}));
  return t;
}

/** LogStatusNotification for a TriggerMessage: Uploading with the requestId while uploading, else Idle. */
export function triggeredLogStatus(s: ChargeStation): Payload {
  const log = transfersOf(s).log;
  return log && log.status === 'Uploading' ? { status: 'Uploading', requestId: log.requestId } : { status: 'Idle' };
}

async function notify(s: ChargeStation, action: string, payload: Payload): Promise<void> {
  try {
    await s.call(action, payload);
  } catch (err) {
    note(s, 'status-step-failed', `${action} ${String(payload.status)}: ${(err as Error).message}`);
  }
}

/**
 * L01: [DownloadScheduled, wait] Downloading, Downloaded | DownloadFailed, [SignatureVerified |
 * InvalidSignature when signed], [InstallScheduled, wait] Installing, Installed (version kept),
 * then a reboot. Steps of a cancelled update go quiet.
 */
async function runFirmwareUpdate(s: ChargeStation, req: UpdateFirmwareReq, cancel: AbortSignal): Promise<void> {
  const fw = stateOf(s).firmware;
  const send = async (status: string): Promise<void> => {
    if (cancel.aborted) return;
    fw.status = status;
    await notify(s, 'FirmwareStatusNotification', { status, requestId: req.requestId });
  };
  const finish = async (status: string): Promise<void> => {
    await send(status);
    if (!cancel.aborted) Object.assign(fw, { active: false, status: 'Idle' });
  };
  const waitUntil = async (iso: string | undefined, scheduled: string): Promise<void> => {
    const at = parseTimestamp(iso);
    const wait = at === undefined ? 0 : at - s.clock.wallTime();
    if (wait <= 0 || cancel.aborted) return;
    await send(scheduled);
    await s.clock.sleep(wait, cancel);
  };
  const { location, signature, signingCertificate } = req.firmware;
  await waitUntil(req.firmware.retrieveDateTime, 'DownloadScheduled');
  await send('Downloading');
  let image: Buffer;
  try {
    image = await download(transferHost(s), location, retryPlan(req.retries, req.retryInterval), cancel);
  } catch (err) {
    if (cancel.aborted) return;
    note(s, 'firmware-download-failed', { location, requestId: req.requestId, error: (err as Error).message });
    await finish('DownloadFailed');
    return;
  }
  await send('Downloaded');
  if (signature !== undefined || signingCertificate !== undefined) {
    const cert = signingCertificate === undefined ? undefined : parseSigningCertificate(signingCertificate);
    const ok = signature !== undefined && cert?.ok === true && verifyImageSignature(image, signature, cert.cert);
    note(s, 'firmware-signature', { location, requestId: req.requestId, valid: ok, reason: ok ? undefined : signature === undefined ? 'no signature' : cert === undefined ? 'no signingCertificate' : 'signature does not match the image' });
    if (!ok) {
      await finish('InvalidSignature');
      return;
    }
    await send('SignatureVerified');
  }
  await waitUntil(req.firmware.installDateTime, 'InstallScheduled');
  await s.clock.sleep(FIRMWARE_STEP_MS, cancel);
  await send('Installing');
  await s.clock.sleep(FIRMWARE_STEP_MS, cancel);
  if (cancel.aborted) return;
  if (image.length === 0) {
    note(s, 'firmware-install-failed', { location, requestId: req.requestId, reason: 'empty image' });
    await finish('InstallationFailed');
    return;
  }
  installImage(s, location, image);
  await finish('Installed');
  if (cancel.aborted) return;
  await s.reboot('Soft', 'FirmwareUpdate');
}

/** N01: Uploading, then Uploaded or UploadFailure (after the retries); a cancelled upload goes quiet. */
async function runLogUpload(s: ChargeStation, req: GetLogReq, fileName: string, log: NonNullable<TransferState['log']>): Promise<void> {
  const { cancel } = log;
  if (cancel.signal.aborted) return;
  await notify(s, 'LogStatusNotification', { status: 'Uploading', requestId: req.requestId });
  let status = 'Uploaded';
  try {
    const body = buildLogFile(s, req.logType, { from: req.log.oldestTimestamp, to: req.log.latestTimestamp });
    const target = await upload(transferHost(s), req.log.remoteLocation, fileName, body, retryPlan(req.retries, req.retryInterval), cancel.signal);
    note(s, 'log-uploaded', { target, fileName, requestId: req.requestId });
  } catch (err) {
    if (cancel.signal.aborted) return;
    status = 'UploadFailure';
    note(s, 'log-upload-failed', { location: req.log.remoteLocation, requestId: req.requestId, error: (err as Error).message });
  }
  if (cancel.signal.aborted) return;
  log.status = status;
  await notify(s, 'LogStatusNotification', { status, requestId: req.requestId });
  if (transfersOf(s).log === log) transfersOf(s).log = undefined;
}

export const TRANSFER_HANDLERS_201: HandlerTable201 = {
  UpdateFirmware: (p: UpdateFirmwareReq, s) => {
    if (p.firmware.signingCertificate !== undefined) {
      const cert = parseSigningCertificate(p.firmware.signingCertificate);
      if (!cert.ok) return { status: 'InvalidCertificate', statusInfo: info('InvalidCertificate', cert.reason) };
    }
    const fw = stateOf(s).firmware;
    const t = transfersOf(s);
    const canceled = fw.active;
    t.firmware?.abort(new Error(`superseded by UpdateFirmware ${p.requestId}`));
    const ac = new AbortController();
    t.firmware = ac;
    fw.generation++;
    Object.assign(fw, { active: true, status: 'Idle', requestId: p.requestId });
    afterResponse(s, 'UpdateFirmware', () => runFirmwareUpdate(s, p, ac.signal).catch((err: unknown) => {
      if (!ac.signal.aborted) throw err;
    }));
    return { status: canceled ? 'AcceptedCanceled' : 'Accepted' };
  },

  GetLog: (p: GetLogReq, s) => {
    const t = transfersOf(s);
    const previous = t.log;
    const canceled = previous !== undefined && previous.status === 'Uploading';
    if (previous) {
      previous.cancel.abort(new Error(`superseded by GetLog ${p.requestId}`));
      if (canceled) afterResponse(s, 'GetLog cancel', () => notify(s, 'LogStatusNotification', { status: 'AcceptedCanceled', requestId: previous.requestId }));
      t.log = undefined;
    }
    const filename = logFileName(s.identity, p.logType, s.clock.wallTime());
    const log = { requestId: p.requestId, status: 'Uploading', cancel: new AbortController() };
    t.log = log;
    afterResponse(s, 'GetLog', () => runLogUpload(s, p, filename, log));
    return { status: canceled ? 'AcceptedCanceled' : 'Accepted', filename };
  },
};
