/**
 * OCPP 1.6 Firmware Management: UpdateFirmware (a real download from `location` at `retrieveDate`,
 * install, a hard reboot, the new version at the next boot) and GetDiagnostics (a real upload of the
 * station's diagnostics file into `location`), each reporting its true outcome, with the status each
 * reports when triggered. Transfers: ../transfer/ (HTTP(S), FTP(S), retries, time limits).
 */
import type { ChargeStation } from '../station.js';
import { buildLogFile, logFileName } from '../transfer/diagnostics-log.js';
import { download, installImage, retryPlan, transferHost, upload } from '../transfer/station-transfer.js';
import { type HandlerTable, afterResponse, note } from './handlers-common.js';

export type FirmwareStatus16 = 'Downloaded' | 'DownloadFailed' | 'Downloading' | 'Idle' | 'InstallationFailed' | 'Installing' | 'Installed';
export type DiagnosticsStatus16 = 'Idle' | 'Uploaded' | 'UploadFailed' | 'Uploading';

/** Time the installation takes: between Downloaded and Installing, and between Installing and Installed (ms). */
export const STATUS_STEP_MS = 1000;

interface FirmwareState {
  firmware: FirmwareStatus16;
  diagnostics: DiagnosticsStatus16;
  /** Cancels the update in progress when a newer UpdateFirmware arrives. */
  update?: AbortController | undefined;
}

const states = new WeakMap<ChargeStation, FirmwareState>();

function stateOf(station: ChargeStation): FirmwareState {
  let s = states.get(station);
  if (!s) {
    s = { firmware: 'Idle', diagnostics: 'Idle' };
    states.set(station, s);
  }
  return s;
}

/** FirmwareStatusNotification status for a TriggerMessage: the step in progress, else Idle. */
export function triggeredFirmwareStatus(station: ChargeStation): FirmwareStatus16 {
  const s = stateOf(station).firmware;
  return s === 'Downloading' || s === 'Downloaded' || s === 'Installing' ? s : 'Idle';
}

/** DiagnosticsStatusNotification status for a TriggerMessage: Uploading while uploading, else Idle. */
export function triggeredDiagnosticsStatus(station: ChargeStation): DiagnosticsStatus16 {
  return stateOf(station).diagnostics === 'Uploading' ? 'Uploading' : 'Idle';
}

/** Send a status notification; a failure (offline, no answer) is traced, the walk goes on. */
async function report(station: ChargeStation, action: string, status: string): Promise<void> {
  try {
    await station.call(action, { status });
  } catch (err) {
    note(station, 'status-step-failed', `${action} ${status}: ${(err as Error).message}`);
  }
}

export interface UpdateRequest16 {
  location: string;
  retries?: number | undefined;
  retryInterval?: number | undefined;
}

/**
 * Download, install and reboot: Downloading, then Downloaded or DownloadFailed (after the retries);
 * Installing, then Installed (the image's version kept for the next boot) or InstallationFailed (an
 * empty image); a hard reboot with reason FirmwareUpdate after Installed.
 */
export async function runFirmwareUpdate(station: ChargeStation, req: UpdateRequest16, cancel: AbortSignal): Promise<void> {
  const state = stateOf(station);
  const step = async (status: FirmwareStatus16): Promise<void> => {
    if (cancel.aborted) return;
    state.firmware = status;
    await report(station, 'FirmwareStatusNotification', status);
  };
  note(station, 'firmware-update', { location: req.location, step: 'start' });
  await step('Downloading');
  let image: Buffer;
  try {
    image = await download(transferHost(station), req.location, retryPlan(req.retries, req.retryInterval), cancel);
  } catch (err) {
    if (cancel.aborted) return;
    note(station, 'firmware-download-failed', { location: req.location, error: (err as Error).message });
    await step('DownloadFailed');
    state.firmware = 'Idle';
    return;
  }
  await step('Downloaded');
  await station.clock.sleep(STATUS_STEP_MS, cancel);
  await step('Installing');
  await station.clock.sleep(STATUS_STEP_MS, cancel);
  if (image.length === 0) {
    note(station, 'firmware-install-failed', { location: req.location, reason: 'empty image' });
    await step('InstallationFailed');
    state.firmware = 'Idle';
    return;
  }
  installImage(station, req.location, image);
  await step('Installed');
  state.firmware = 'Idle';
  note(station, 'firmware-update', { location: req.location, step: 'reboot' });
  await station.reboot('Hard', 'FirmwareUpdate');
}

/** Upload the diagnostics file: Uploading, then Uploaded or UploadFailed (after the retries). */
export async function runDiagnosticsUpload(station: ChargeStation, location: string, fileName: string, plan: ReturnType<typeof retryPlan>, window: { from?: string; to?: string }): Promise<void> {
  const state = stateOf(station);
  state.diagnostics = 'Uploading';
  await report(station, 'DiagnosticsStatusNotification', 'Uploading');
  let outcome: DiagnosticsStatus16 = 'Uploaded';
  try {
    const target = await upload(transferHost(station), location, fileName, buildLogFile(station, 'DiagnosticsLog', window), plan);
    note(station, 'diagnostics-uploaded', { target, fileName });
  } catch (err) {
    outcome = 'UploadFailed';
    note(station, 'diagnostics-upload-failed', { location, error: (err as Error).message });
  }
  state.diagnostics = outcome;
  await report(station, 'DiagnosticsStatusNotification', outcome);
  state.diagnostics = 'Idle';
}

const optionalInt = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export const FIRMWARE_HANDLERS: HandlerTable = {
  UpdateFirmware: (params, station) => {
    const req: UpdateRequest16 = { location: String(params.location), retries: optionalInt(params.retries), retryInterval: optionalInt(params.retryInterval) };
    const retrieveMs = Date.parse(String(params.retrieveDate));
    const delay = Number.isFinite(retrieveMs) ? Math.max(0, retrieveMs - station.clock.wallTime()) : 0;
    const state = stateOf(station);
    state.update?.abort(new Error('superseded by a newer UpdateFirmware'));
    const ac = new AbortController();
    state.update = ac;
    note(station, 'firmware-update', { location: req.location, retrieveDate: params.retrieveDate, startsInMs: delay });
    const timer = station.clock.setTimer(delay, () => {
      runFirmwareUpdate(station, req, ac.signal).catch((err: Error) => {
        if (!ac.signal.aborted) note(station, 'firmware-update-failed', err.message);
      });
    }, `firmware update ${station.identity}`);
    ac.signal.addEventListener('abort', () => timer.cancel(), { once: true });
    return {};
  },

  GetDiagnostics: (params, station) => {
    const location = String(params.location);
    const fileName = logFileName(station.identity, 'DiagnosticsLog', station.clock.wallTime());
    const plan = retryPlan(params.retries, params.retryInterval);
    const window = { ...(typeof params.startTime === 'string' ? { from: params.startTime } : {}), ...(typeof params.stopTime === 'string' ? { to: params.stopTime } : {}) };
    afterResponse(station, 'diagnostics upload', () => runDiagnosticsUpload(station, location, fileName, plan, window));
    return { fileName };
  },
};
