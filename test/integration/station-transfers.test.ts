/**
 * OCPP 1.6 firmware and diagnostics transfers that really happen: the virtual station (on the
 * VirtualClock, real loopback sockets, against the emulated CSMS) downloads images from a local HTTP
 * server and a local FTP server (Debian's pyftpdlib, a child process), uploads its diagnostics file to
 * both, reports DownloadFailed / UploadFailed after the requested retries when nothing listens, and
 * boots with the installed image's firmwareVersion.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';
import { deadPort, type FileServer, ftpServerMissing, type FtpServer, startFileServer, startFtpServer } from '../support/transfer-servers.js';

const ID = 'CP16';
const IMAGE = Buffer.from(Array.from({ length: 70_000 }, (_v, i) => (i * 31) % 251));
const FTP_MISSING = ftpServerMissing();
if (FTP_MISSING) {
  if (process.env.CI) {
    describe('pyftpdlib', () => {
      it('is installed (CI installs python3-pyftpdlib)', () => {
        throw new Error(`${FTP_MISSING}; .ci/run must install the Debian package python3-pyftpdlib`);
      });
    });
  } else {
    console.log(`station-transfers: FTP cases skipped, ${FTP_MISSING}`);
  }
}

function stationConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { identity: ID, ocppVersion: '1.6', firmwareVersion: '1.0.0', meterSampleIntervalS: 0, ...extra };
}

/** Statuses of one notification action the CSMS received, with the virtual time of each. */
function statuses(rig: VirtualRig, action: string): { status: string; at: number }[] {
  return rig.csms.notifications(ID).filter((n) => n.action === action).map((n) => ({ status: String(n.params.status), at: n.at }));
}

function bootVersions(rig: VirtualRig): string[] {
  return callsOf(rig.frames(ID, 'evse', 'out'), 'BootNotification').map((b) => String(b.firmwareVersion));
}

function attempts(rig: VirtualRig): { attempt: number; ok: boolean }[] {
  return rig.records()
    .filter((r) => r.kind === 'device' && r.device === ID && r.event === 'transfer-attempt')
    .map((r) => (r as { data: { attempt: number; ok: boolean } }).data);
}

async function booted(extra: Record<string, unknown> = {}): Promise<{ rig: VirtualRig; s: ChargeStation }> {
  const rig = await startVirtualRig({ csms: { heartbeatIntervalS: 3600 }, evses: [stationConfig(extra)] });
  const s = rig.stations[0];
  if (!s) throw new Error('no station');
  expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);
  return { rig, s };
}

const nowIso = (rig: VirtualRig): string => new Date(rig.clock.wallTime()).toISOString();

/** Run until the station rebooted after an update and its new boot was accepted. */
async function untilRebooted(rig: VirtualRig, s: ChargeStation): Promise<void> {
  const boots = (): number => callsOf(rig.frames(ID, 'evse', 'out'), 'BootNotification').length;
  expect(await rig.clock.runUntil(() => boots() >= 2 && s.state === 'Accepted', 120_000)).toBe(true);
}

describe('OCPP 1.6 transfers over HTTP (local node:http server)', () => {
  let http: FileServer;
  let rig: VirtualRig | undefined;
  beforeAll(async () => {
    http = await startFileServer();
  });
  afterAll(async () => {
    await http.close();
  });
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
    http.requests.length = 0;
    http.uploads.clear();
  });

  it('UpdateFirmware downloads the image, walks Downloading..Installed, reboots and boots with the version in the file name', async () => {
    http.files.set('/images/fw-2.1.0.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    expect(await rig.csms.send(ID, 'UpdateFirmware', { location: `${http.base}/images/fw-2.1.0.bin`, retrieveDate: nowIso(rig) })).toEqual({});
    await untilRebooted(rig, b.s);
    expect(http.requests).toEqual(['GET /images/fw-2.1.0.bin']);
    expect(statuses(rig, 'FirmwareStatusNotification').map((x) => x.status)).toEqual(['Downloading', 'Downloaded', 'Installing', 'Installed']);
    expect(bootVersions(rig)).toEqual(['1.0.0', '2.1.0']);
    expect(b.s.memory.firmwareVersion).toBe('2.1.0');
    const installed = rig.records().find((r) => r.kind === 'device' && r.event === 'firmware-installed') as { data: { bytes: number; rule: string } } | undefined;
    expect(installed?.data).toMatchObject({ bytes: IMAGE.length, rule: 'file-name' });
  });

  it('virtual time stands still while the download is in flight (a slow server, a 1 s heartbeat)', async () => {
    http.files.set('/images/fw-2.2.0.bin', IMAGE);
    http.delayMs = 400;
    try {
      const rigInput = { csms: { heartbeatIntervalS: 1 }, evses: [stationConfig()] };
      rig = await startVirtualRig(rigInput);
      const s = rig.stations[0] as ChargeStation;
      expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);
      await rig.csms.send(ID, 'UpdateFirmware', { location: `${http.base}/images/fw-2.2.0.bin`, retrieveDate: nowIso(rig) });
      expect(await rig.clock.runUntil(() => statuses(rig!, 'FirmwareStatusNotification').length >= 2, 60_000)).toBe(true);
    } finally {
      http.delayMs = 0;
    }
    const [downloading, downloaded] = statuses(rig, 'FirmwareStatusNotification');
    expect(downloaded?.status).toBe('Downloaded');
    expect(downloaded?.at).toBe(downloading?.at);
    const out = rig.frames(ID, 'evse', 'out').filter((f) => f[0] === 2).map((f) => f[2] === 'FirmwareStatusNotification' ? (f[3] as { status: string }).status : f[2]);
    expect(out.slice(out.indexOf('Downloading'), out.indexOf('Downloaded') + 1)).toEqual(['Downloading', 'Downloaded']);
  });

  it('waits for retrieveDate on the station clock before contacting the location', async () => {
    http.files.set('/images/fw-3.0.0.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    const retrieveAt = rig.clock.wallTime() + 600_000;
    await rig.csms.send(ID, 'UpdateFirmware', { location: `${http.base}/images/fw-3.0.0.bin`, retrieveDate: new Date(retrieveAt).toISOString() });
    await rig.clock.runFor(599_000);
    expect(http.requests).toEqual([]);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual([]);
    await untilRebooted(rig, b.s);
    expect(http.requests).toEqual(['GET /images/fw-3.0.0.bin']);
    const downloading = statuses(rig, 'FirmwareStatusNotification')[0];
    expect(downloading?.status).toBe('Downloading');
    expect(rig.clock.wallTime() - rig.clock.now() + (downloading?.at ?? 0)).toBeGreaterThanOrEqual(retrieveAt);
    expect(bootVersions(rig).at(-1)).toBe('3.0.0');
  });

  it('retries per retries/retryInterval: two 503s, then the image (three GETs, retryInterval apart on the clock)', async () => {
    http.files.set('/images/fw-4.2.bin', IMAGE);
    http.failNext(2);
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { location: `${http.base}/images/fw-4.2.bin`, retrieveDate: nowIso(rig), retries: 2, retryInterval: 15 });
    await untilRebooted(rig, b.s);
    expect(http.requests).toEqual(['GET /images/fw-4.2.bin', 'GET /images/fw-4.2.bin', 'GET /images/fw-4.2.bin']);
    expect(attempts(rig).map((a) => a.ok)).toEqual([false, false, true]);
    const st = statuses(rig, 'FirmwareStatusNotification');
    expect(st.map((x) => x.status)).toEqual(['Downloading', 'Downloaded', 'Installing', 'Installed']);
    // two retry intervals of 15 s between Downloading and Downloaded
    expect((st[1]?.at ?? 0) - (st[0]?.at ?? 0)).toBeGreaterThanOrEqual(30_000);
    expect((st[1]?.at ?? 0) - (st[0]?.at ?? 0)).toBeLessThan(31_000);
    expect(bootVersions(rig).at(-1)).toBe('4.2');
  });

  it('GetDiagnostics PUTs the diagnostics file named in the answer into the location', async () => {
    const b = await booted();
    rig = b.rig;
    const answer = await rig.csms.send<{ fileName: string }>(ID, 'GetDiagnostics', { location: `${http.base}/upload/` });
    expect(answer.fileName).toMatch(/^CP16-diagnostics-.*\.log$/);
    expect(await rig.clock.runUntil(() => statuses(rig!, 'DiagnosticsStatusNotification').length >= 2, 60_000)).toBe(true);
    expect(statuses(rig, 'DiagnosticsStatusNotification').map((x) => x.status)).toEqual(['Uploading', 'Uploaded']);
    expect(http.requests).toEqual([`PUT /upload/${answer.fileName}`]);
    const body = http.uploads.get(`/upload/${answer.fileName}`)?.toString('utf8') ?? '';
    expect(body).toContain('# DiagnosticsLog of CP16');
    expect(body).toContain('firmware=1.0.0');
    expect(body).toMatch(/connector 1: status=Available/);
  });
});

describe('OCPP 1.6 transfers to a dead location (nothing listens on the port)', () => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('UpdateFirmware: Downloading, then DownloadFailed after 1 + retries attempts; no reboot, version unchanged', async () => {
    const port = await deadPort();
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { location: `http://127.0.0.1:${port}/fw-9.9.9.bin`, retrieveDate: nowIso(rig), retries: 2, retryInterval: 10 });
    expect(await rig.clock.runUntil(() => statuses(rig!, 'FirmwareStatusNotification').length >= 2, 120_000)).toBe(true);
    await rig.clock.runFor(30_000);
    const st = statuses(rig, 'FirmwareStatusNotification');
    expect(st.map((x) => x.status)).toEqual(['Downloading', 'DownloadFailed']);
    expect((st[1]?.at ?? 0) - (st[0]?.at ?? 0)).toBeGreaterThanOrEqual(20_000);
    expect(attempts(rig)).toEqual([{ attempt: 1, of: 3, ok: false, what: expect.any(String), error: expect.stringMatching(/ECONNREFUSED/) },
      expect.objectContaining({ attempt: 2, ok: false }), expect.objectContaining({ attempt: 3, ok: false })]);
    expect(bootVersions(rig)).toEqual(['1.0.0']);
    expect(b.s.memory.firmwareVersion).toBeUndefined();
    // a triggered FirmwareStatusNotification now says Idle
    await rig.csms.send(ID, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' });
    await rig.clock.runFor(1000);
    expect(statuses(rig, 'FirmwareStatusNotification').at(-1)?.status).toBe('Idle');
  });

  it('GetDiagnostics: Uploading, then UploadFailed after 1 + retries attempts', async () => {
    const port = await deadPort();
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'GetDiagnostics', { location: `ftp://127.0.0.1:${port}/logs/`, retries: 1, retryInterval: 5 });
    expect(await rig.clock.runUntil(() => statuses(rig!, 'DiagnosticsStatusNotification').length >= 2, 60_000)).toBe(true);
    expect(statuses(rig, 'DiagnosticsStatusNotification').map((x) => x.status)).toEqual(['Uploading', 'UploadFailed']);
    expect(attempts(rig).map((a) => a.ok)).toEqual([false, false]);
  });
});

describe.skipIf(FTP_MISSING !== undefined)('OCPP 1.6 transfers over FTP (pyftpdlib child process)', () => {
  let ftp: FtpServer;
  let rig: VirtualRig | undefined;
  beforeAll(async () => {
    ftp = await startFtpServer();
    mkdirSync(join(ftp.dir, 'images'));
    mkdirSync(join(ftp.dir, 'logs'));
  });
  afterAll(async () => {
    await ftp?.close();
  });
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('UpdateFirmware retrieves the image over FTP and boots with the version the config names for it', async () => {
    writeFileSync(join(ftp.dir, 'images', 'evse-image.img'), IMAGE);
    const b = await booted({ firmware: { images: { 'evse-image.img': '7.7.7-ftp' } } });
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { location: `${ftp.base}/images/evse-image.img`, retrieveDate: nowIso(rig) });
    await untilRebooted(rig, b.s);
    expect(statuses(rig, 'FirmwareStatusNotification').map((x) => x.status)).toEqual(['Downloading', 'Downloaded', 'Installing', 'Installed']);
    expect(bootVersions(rig)).toEqual(['1.0.0', '7.7.7-ftp']);
    const installed = rig.records().find((r) => r.kind === 'device' && r.event === 'firmware-installed') as { data: { bytes: number; rule: string } } | undefined;
    expect(installed?.data).toMatchObject({ bytes: IMAGE.length, rule: 'configured' });
  });

  it('a missing file on the FTP server is DownloadFailed', async () => {
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { location: `${ftp.base}/images/missing-1.2.3.bin`, retrieveDate: nowIso(rig), retries: 0 });
    expect(await rig.clock.runUntil(() => statuses(rig!, 'FirmwareStatusNotification').length >= 2, 60_000)).toBe(true);
    expect(statuses(rig, 'FirmwareStatusNotification').map((x) => x.status)).toEqual(['Downloading', 'DownloadFailed']);
    expect(attempts(rig)).toEqual([expect.objectContaining({ attempt: 1, of: 1, ok: false })]);
  });

  it('GetDiagnostics stores the diagnostics file in the FTP directory', async () => {
    const b = await booted();
    rig = b.rig;
    const answer = await rig.csms.send<{ fileName: string }>(ID, 'GetDiagnostics', { location: `${ftp.base}/logs/` });
    expect(await rig.clock.runUntil(() => statuses(rig!, 'DiagnosticsStatusNotification').length >= 2, 60_000)).toBe(true);
    expect(statuses(rig, 'DiagnosticsStatusNotification').map((x) => x.status)).toEqual(['Uploading', 'Uploaded']);
    expect(readdirSync(join(ftp.dir, 'logs'))).toContain(answer.fileName);
    const file = join(ftp.dir, 'logs', answer.fileName);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('# DiagnosticsLog of CP16');
  });
});
