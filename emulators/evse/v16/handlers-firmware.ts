/**
 * OCPP 1.6 Firmware Management: UpdateFirmware (download/install walk, then a hard reboot) and
 * GetDiagnostics (upload walk), with the status each reports when triggered.
 */
import { isoTime } from '../../../src/core/clock.js';
import type { ChargeStation } from '../station.js';
import { type HandlerTable, afterResponse, note } from './handlers-common.js';

export type FirmwareStatus16 = 'Downloaded' | 'DownloadFailed' | 'Downloading' | 'Idle' | 'InstallationFailed' | 'Installing' | 'Installed';
export type DiagnosticsStatus16 = 'Idle' | 'Uploaded' | 'UploadFailed' | 'Uploading';

/** Time between the steps of a firmware or diagnostics walk (ms). */
export const STATUS_STEP_MS = 1000;
export const FIRMWARE_STEPS: readonly FirmwareStatus16[] = ['Downloading', 'Downloaded', 'Installing', 'Installed'];
export const DIAGNOSTICS_STEPS: readonly DiagnosticsStatus16[] = ['Uploading', 'Uploaded'];

interface FirmwareState {
  firmware: FirmwareStatus16;
  diagnostics: DiagnosticsStatus16;
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

/** Walk the firmware steps (FirmwareStatusNotification each), then reboot hard with reason FirmwareUpdate. */
export async function runFirmwareUpdate(station: ChargeStation, location: string): Promise<void> {
  const state = stateOf(station);
  note(station, 'firmware-update', { location, step: 'start' });
  await station.ops.runStatusSteps([...FIRMWARE_STEPS], STATUS_STEP_MS, async (status) => {
    state.firmware = status as FirmwareStatus16;
    await station.call('FirmwareStatusNotification', { status });
  }, async () => {
    note(station, 'firmware-update', { location, step: 'reboot' });
    await station.reboot('Hard', 'FirmwareUpdate');
  });
}

/** Walk the diagnostics upload steps (DiagnosticsStatusNotification each). */
export async function runDiagnosticsUpload(station: ChargeStation, location: string, fileName: string): Promise<void> {
  const state = stateOf(station);
  note(station, 'diagnostics-upload', { location, fileName });
  await station.ops.runStatusSteps([...DIAGNOSTICS_STEPS], STATUS_STEP_MS, async (status) => {
    state.diagnostics = status as DiagnosticsStatus16;
    await station.call('DiagnosticsStatusNotification', { status });
  });
}

export const FIRMWARE_HANDLERS: HandlerTable = {
  UpdateFirmware: (params, station) => {
    const location = String(params.location);
    const retrieveMs = Date.parse(String(params.retrieveDate));
    const delay = Number.isFinite(retrieveMs) ? Math.max(0, retrieveMs - station.clock.wallTime()) : 0;
    note(station, 'firmware-update', { location, retrieveDate: params.retrieveDate, startsInMs: delay });
    station.clock.setTimer(delay, () => {
      runFirmwareUpdate(station, location).catch((err: Error) => note(station, 'firmware-update-failed', err.message));
    }, `firmware update ${station.identity}`);
    return {};
  },

  GetDiagnostics: (params, station) => {
    const location = String(params.location);
    const fileName = `${station.identity}-diagnostics-${isoTime(station.clock.wallTime()).replace(/[:.]/g, '')}.log`.slice(-255);
    afterResponse(station, 'diagnostics upload', () => runDiagnosticsUpload(station, location, fileName));
    return { fileName };
  },
};
