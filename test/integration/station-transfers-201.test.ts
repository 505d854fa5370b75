/**
 * OCPP 2.0.1 firmware and log transfers that really happen: the virtual station (VirtualClock, real
 * loopback sockets, emulated CSMS) downloads images over HTTP, HTTPS (a test PKI) and FTP (Debian's
 * pyftpdlib), checks signed firmware against the signing certificate, uploads its log with GetLog,
 * and reports DownloadFailed / UploadFailure after the requested retries when nothing listens.
 */
import { sign } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { callsOf, startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';
import { deadPort, type FileServer, ftpServerMissing, type FtpServer, startFileServer, startFtpServer } from '../support/transfer-servers.js';

const ID = 'CP201';
const IMAGE = Buffer.from(Array.from({ length: 50_000 }, (_v, i) => (i * 7 + 3) % 256));
const FTP_MISSING = ftpServerMissing();
if (FTP_MISSING && !process.env.CI) console.log(`station-transfers-201: FTP cases skipped, ${FTP_MISSING}`);

function statuses(rig: VirtualRig, action: string): string[] {
  return rig.csms.notifications(ID).filter((n) => n.action === action).map((n) => `${String(n.params.status)}/${String(n.params.requestId)}`);
}

function boots(rig: VirtualRig): { reason: string; firmwareVersion: string }[] {
  return callsOf(rig.frames(ID, 'evse', 'out'), 'BootNotification')
    .map((b) => ({ reason: String(b.reason), firmwareVersion: String((b.chargingStation as { firmwareVersion: string }).firmwareVersion) }));
}

async function booted(extra: Record<string, unknown> = {}): Promise<{ rig: VirtualRig; s: ChargeStation }> {
  const rig = await startVirtualRig({
    csms: { heartbeatIntervalS: 3600 },
    evses: [{ identity: ID, ocppVersion: '2.0.1', firmwareVersion: '1.0.0', meterSampleIntervalS: 0, ...extra }],
  });
  const s = rig.stations[0];
  if (!s) throw new Error('no station');
  expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);
  return { rig, s };
}

const nowIso = (rig: VirtualRig): string => new Date(rig.clock.wallTime()).toISOString();

async function untilRebooted(rig: VirtualRig, s: ChargeStation): Promise<void> {
  expect(await rig.clock.runUntil(() => boots(rig).length >= 2 && s.state === 'Accepted', 120_000)).toBe(true);
}

async function until(rig: VirtualRig, action: string, count: number): Promise<void> {
  expect(await rig.clock.runUntil(() => statuses(rig, action).length >= count, 120_000)).toBe(true);
  await rig.clock.runFor(30_000);
}

describe('OCPP 2.0.1 UpdateFirmware and GetLog over HTTP and HTTPS', () => {
  let http: FileServer;
  let https: FileServer;
  let pki: TestPki;
  let rig: VirtualRig | undefined;
  beforeAll(async () => {
    pki = createTestPki({ clientIdentity: 'firmware-signer' });
    http = await startFileServer();
    https = await startFileServer({ cert: pki.server.cert, key: pki.server.key });
  });
  afterAll(async () => {
    await http?.close();
    await https?.close();
    pki?.cleanup();
  });
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
    for (const srv of [http, https]) {
      srv.requests.length = 0;
      srv.uploads.clear();
    }
  });

  it('downloads, installs, reboots with reason FirmwareUpdate and boots with the new chargingStation.firmwareVersion', async () => {
    http.files.set('/fw/station-fw-5.0.1.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    expect(await rig.csms.send(ID, 'UpdateFirmware', { requestId: 11, firmware: { location: `${http.base}/fw/station-fw-5.0.1.bin`, retrieveDateTime: nowIso(rig) } }))
      .toEqual({ status: 'Accepted' });
    await untilRebooted(rig, b.s);
    expect(http.requests).toEqual(['GET /fw/station-fw-5.0.1.bin']);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/11', 'Downloaded/11', 'Installing/11', 'Installed/11']);
    expect(boots(rig)).toEqual([{ reason: 'PowerUp', firmwareVersion: '1.0.0' }, { reason: 'FirmwareUpdate', firmwareVersion: '5.0.1' }]);
    const vars = await rig.csms.send<{ getVariableResult: { attributeValue?: string }[] }>(ID, 'GetVariables', { getVariableData: [{ component: { name: 'ChargingStation' }, variable: { name: 'FirmwareVersion' } }] });
    expect(vars.getVariableResult[0]?.attributeValue).toBe('5.0.1');
  });

  it('signed firmware over HTTPS: the signature verifies with the signing certificate, SignatureVerified, installed', async () => {
    https.files.set('/fw/signed-6.1.0.bin', IMAGE);
    const signature = sign('sha256', IMAGE, pki.client.key).toString('base64');
    const b = await booted({ security: { profile: 0, ca: pki.ca.cert } });
    rig = b.rig;
    const firmware = { location: `${https.base}/fw/signed-6.1.0.bin`, retrieveDateTime: nowIso(rig), signingCertificate: pki.client.cert, signature };
    expect(await rig.csms.send(ID, 'UpdateFirmware', { requestId: 12, firmware })).toEqual({ status: 'Accepted' });
    await untilRebooted(rig, b.s);
    expect(https.requests).toEqual(['GET /fw/signed-6.1.0.bin']);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/12', 'Downloaded/12', 'SignatureVerified/12', 'Installing/12', 'Installed/12']);
    expect(boots(rig).at(-1)).toEqual({ reason: 'FirmwareUpdate', firmwareVersion: '6.1.0' });
  });

  it('a signature that does not match the image is InvalidSignature: nothing installed, no reboot', async () => {
    https.files.set('/fw/tampered-6.2.0.bin', IMAGE);
    const signature = sign('sha256', Buffer.from('another image'), pki.client.key).toString('base64');
    const b = await booted({ security: { profile: 0, ca: pki.ca.cert } });
    rig = b.rig;
    const firmware = { location: `${https.base}/fw/tampered-6.2.0.bin`, retrieveDateTime: nowIso(rig), signingCertificate: pki.client.cert, signature };
    expect(await rig.csms.send(ID, 'UpdateFirmware', { requestId: 13, firmware })).toEqual({ status: 'Accepted' });
    await until(rig, 'FirmwareStatusNotification', 3);
    expect(https.requests).toEqual(['GET /fw/tampered-6.2.0.bin']);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/13', 'Downloaded/13', 'InvalidSignature/13']);
    expect(boots(rig)).toHaveLength(1);
    expect(b.s.memory.firmwareVersion).toBeUndefined();
  });

  it('an HTTPS server the station does not trust is DownloadFailed', async () => {
    https.files.set('/fw/untrusted-1.1.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { requestId: 14, retries: 0, firmware: { location: `${https.base}/fw/untrusted-1.1.bin`, retrieveDateTime: nowIso(rig) } });
    await until(rig, 'FirmwareStatusNotification', 2);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/14', 'DownloadFailed/14']);
    expect(https.requests).toEqual([]);
  });

  it('a signingCertificate that is not a certificate is answered InvalidCertificate; nothing is fetched', async () => {
    http.files.set('/fw/x-1.0.1.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    const answer = await rig.csms.send(ID, 'UpdateFirmware', { requestId: 15, firmware: { location: `${http.base}/fw/x-1.0.1.bin`, retrieveDateTime: nowIso(rig), signingCertificate: 'not a pem', signature: 'AAAA' } });
    expect(answer).toMatchObject({ status: 'InvalidCertificate' });
    await rig.clock.runFor(60_000);
    expect(http.requests).toEqual([]);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual([]);
  });

  it('waits for retrieveDateTime (DownloadScheduled first), then downloads', async () => {
    http.files.set('/fw/later-2.0.0.bin', IMAGE);
    const b = await booted();
    rig = b.rig;
    const at = new Date(rig.clock.wallTime() + 300_000).toISOString();
    await rig.csms.send(ID, 'UpdateFirmware', { requestId: 16, firmware: { location: `${http.base}/fw/later-2.0.0.bin`, retrieveDateTime: at } });
    await rig.clock.runFor(299_000);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['DownloadScheduled/16']);
    expect(http.requests).toEqual([]);
    await untilRebooted(rig, b.s);
    expect(http.requests).toEqual(['GET /fw/later-2.0.0.bin']);
    expect(boots(rig).at(-1)?.firmwareVersion).toBe('2.0.0');
  });

  it('GetLog PUTs the log file named in the answer: Uploading, Uploaded', async () => {
    const b = await booted();
    rig = b.rig;
    const answer = await rig.csms.send<{ status: string; filename: string }>(ID, 'GetLog', { logType: 'DiagnosticsLog', requestId: 21, log: { remoteLocation: `${http.base}/logs/` } });
    expect(answer.status).toBe('Accepted');
    expect(answer.filename).toMatch(/^CP201-diagnostics-.*\.log$/);
    await until(rig, 'LogStatusNotification', 2);
    expect(statuses(rig, 'LogStatusNotification')).toEqual(['Uploading/21', 'Uploaded/21']);
    expect(http.requests).toEqual([`PUT /logs/${answer.filename}`]);
    expect(http.uploads.get(`/logs/${answer.filename}`)?.toString('utf8')).toContain('# DiagnosticsLog of CP201');
  });
});

describe('OCPP 2.0.1 transfers to a dead location (nothing listens on the port)', () => {
  let rig: VirtualRig | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('UpdateFirmware: Downloading, then DownloadFailed after 1 + retries attempts', async () => {
    const port = await deadPort();
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { requestId: 31, retries: 2, retryInterval: 5, firmware: { location: `ftp://127.0.0.1:${port}/fw-1.2.bin`, retrieveDateTime: nowIso(rig) } });
    await until(rig, 'FirmwareStatusNotification', 2);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/31', 'DownloadFailed/31']);
    const tries = rig.records().filter((r) => r.kind === 'device' && r.event === 'transfer-attempt').map((r) => (r as { data: { ok: boolean } }).data.ok);
    expect(tries).toEqual([false, false, false]);
    expect(boots(rig)).toHaveLength(1);
  });

  it('GetLog: Uploading, then UploadFailure after 1 + retries attempts', async () => {
    const port = await deadPort();
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'GetLog', { logType: 'SecurityLog', requestId: 32, retries: 1, retryInterval: 5, log: { remoteLocation: `http://127.0.0.1:${port}/logs/` } });
    await until(rig, 'LogStatusNotification', 2);
    expect(statuses(rig, 'LogStatusNotification')).toEqual(['Uploading/32', 'UploadFailure/32']);
  });
});

describe.skipIf(FTP_MISSING !== undefined)('OCPP 2.0.1 transfers over FTP (pyftpdlib child process)', () => {
  let ftp: FtpServer;
  let rig: VirtualRig | undefined;
  beforeAll(async () => {
    ftp = await startFtpServer();
    mkdirSync(join(ftp.dir, 'fw'));
    mkdirSync(join(ftp.dir, 'logs'));
  });
  afterAll(async () => {
    await ftp?.close();
  });
  afterEach(async () => {
    await rig?.cleanup();
    rig = undefined;
  });

  it('UpdateFirmware over FTP: an image without a version in its name installs its SHA-256 prefix', async () => {
    writeFileSync(join(ftp.dir, 'fw', 'latest.bin'), IMAGE);
    const b = await booted();
    rig = b.rig;
    await rig.csms.send(ID, 'UpdateFirmware', { requestId: 41, firmware: { location: `${ftp.base}/fw/latest.bin`, retrieveDateTime: nowIso(rig) } });
    await untilRebooted(rig, b.s);
    expect(statuses(rig, 'FirmwareStatusNotification')).toEqual(['Downloading/41', 'Downloaded/41', 'Installing/41', 'Installed/41']);
    expect(boots(rig).at(-1)?.firmwareVersion).toMatch(/^sha256-[0-9a-f]{12}$/);
  });

  it('GetLog over FTP stores the security log in the directory', async () => {
    const b = await booted();
    rig = b.rig;
    const answer = await rig.csms.send<{ filename: string }>(ID, 'GetLog', { logType: 'SecurityLog', requestId: 42, log: { remoteLocation: `${ftp.base}/logs` } });
    await until(rig, 'LogStatusNotification', 2);
    expect(statuses(rig, 'LogStatusNotification')).toEqual(['Uploading/42', 'Uploaded/42']);
    expect(readdirSync(join(ftp.dir, 'logs'))).toEqual([answer.filename]);
    expect(readFileSync(join(ftp.dir, 'logs', answer.filename), 'utf8')).toContain('# SecurityLog of CP201');
  });
});
