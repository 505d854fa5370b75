/** Pure rules of the station's file transfers: image version, upload target, retries, locations. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { StationConfigSchema } from '../../emulators/evse/config.js';
import { emptyMemory, MemoryFile } from '../../emulators/evse/memory.js';
import { logFileName } from '../../emulators/evse/transfer/diagnostics-log.js';
import { imageFileName, imageVersion, parseSigningCertificate, verifyImageSignature } from '../../emulators/evse/transfer/firmware-image.js';
import { safeUrl } from '../../emulators/evse/transfer/transfer-types.js';
import { DEFAULT_RETRIES, DEFAULT_RETRY_INTERVAL_S, parseLocation, retryPlan, uploadTarget } from '../../emulators/evse/transfer/url-transfer.js';

const IMAGE = Buffer.from('image bytes');

describe('firmware image version rule', () => {
  it.each([
    ['fw-2.1.0.bin', '2.1.0'],
    ['evse_v3.4-rc1.tar.gz', '3.4-rc1'],
    ['CHARGER-10.20.30.40.img', '10.20.30.40'],
    ['release-1.2', '1.2'],
    ['fw-2.1.0-beta.2.swu', '2.1.0-beta.2'],
  ])('%s installs version %s (from the file name)', (name, version) => {
    expect(imageVersion(name, IMAGE, {})).toEqual({ version, rule: 'file-name' });
  });

  it('the config names the version of a listed image first', () => {
    expect(imageVersion('fw-2.1.0.bin', IMAGE, { 'fw-2.1.0.bin': 'R7 build 99' })).toEqual({ version: 'R7 build 99', rule: 'configured' });
    expect(imageVersion('toString', IMAGE, {})).toMatchObject({ rule: 'sha256' });
  });

  it('an image without a version in its name installs "sha256-" and 12 hex digits of its hash', () => {
    const hex = createHash('sha256').update(IMAGE).digest('hex').slice(0, 12);
    expect(imageVersion('latest.bin', IMAGE, {})).toEqual({ version: `sha256-${hex}`, rule: 'sha256' });
    expect(imageVersion('', IMAGE, {}).version).toBe(`sha256-${hex}`);
  });

  it('versions are cut to the 50 characters a BootNotification allows', () => {
    expect(imageVersion(`fw-${'1.'.repeat(40)}1.bin`, IMAGE, {}).version).toHaveLength(50);
  });

  it('takes the file name from the last path segment of the location, decoded', () => {
    expect(imageFileName('http://h/a/b/fw%202.0.1.bin?token=x')).toBe('fw 2.0.1.bin');
    expect(imageFileName('ftp://h/')).toBe('');
    expect(imageFileName('not a url')).toBe('');
  });

  it('the station config accepts firmware.images and rejects a version over 50 characters, naming the field', () => {
    const ok = StationConfigSchema.parse({ identity: 'A', firmware: { images: { 'x.bin': '9.9' } } });
    expect(ok.firmware).toEqual({ images: { 'x.bin': '9.9' }, transferTimeoutS: 60 });
    const bad = StationConfigSchema.safeParse({ identity: 'A', firmware: { images: { 'x.bin': 'v'.repeat(51) } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['firmware', 'images', 'x.bin']);
  });
});

describe('signed firmware', () => {
  it('a signingCertificate that is not PEM is refused with the reason', () => {
    const r = parseSigningCertificate('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/^signingCertificate is not a PEM X\.509 certificate/);
  });

  it('an empty signature never verifies', () => {
    // the certificate is never consulted for an empty signature
    expect(verifyImageSignature(IMAGE, '', undefined as never)).toBe(false);
  });
});

describe('transfer locations and retries', () => {
  it('uploads into the location as a directory, the file name appended', () => {
    expect(uploadTarget(new URL('ftp://u:p@h:2121/logs'), 'CP-1 diag.log').href).toBe('ftp://u:p@h:2121/logs/CP-1%20diag.log');
    expect(uploadTarget(new URL('http://h/up/'), 'a.log').href).toBe('http://h/up/a.log');
    expect(uploadTarget(new URL('http://h'), 'a.log').href).toBe('http://h/a.log');
  });

  it('takes an http(s) location with a query string (a pre-signed URL) as the file URL itself', () => {
    expect(uploadTarget(new URL('https://h/bucket/obj?sig=abc'), 'a.log').href).toBe('https://h/bucket/obj?sig=abc');
    expect(uploadTarget(new URL('ftp://h/dir?x=1'), 'a.log').href).toBe('ftp://h/dir/a.log');
  });

  it('retries and retryInterval from the request; the station decides when they are absent or invalid', () => {
    expect(retryPlan(3, 20)).toEqual({ retries: 3, retryIntervalS: 20 });
    expect(retryPlan(0, 0)).toEqual({ retries: 0, retryIntervalS: 0 });
    expect(retryPlan(undefined, undefined)).toEqual({ retries: DEFAULT_RETRIES, retryIntervalS: DEFAULT_RETRY_INTERVAL_S });
    expect(retryPlan(-1, 1.5)).toEqual({ retries: DEFAULT_RETRIES, retryIntervalS: DEFAULT_RETRY_INTERVAL_S });
    expect(retryPlan(1e9, 5).retries).toBe(100);
  });

  it('a location that cannot be fetched is a TRANSFER_FAILED error naming it', () => {
    expect(() => parseLocation('nonsense')).toThrow(expect.objectContaining({ code: ERROR_CODES.TRANSFER_FAILED, message: expect.stringContaining('"nonsense" is not a URL') }));
    expect(() => parseLocation('sftp://h/x')).toThrow(expect.objectContaining({ code: ERROR_CODES.TRANSFER_FAILED, message: expect.stringContaining('unsupported protocol sftp:') }));
    for (const ok of ['http://h/x', 'https://h/x', 'ftp://h/x', 'ftps://h/x']) expect(parseLocation(ok).href).toBe(ok);
  });

  it('never shows credentials in messages and the trace', () => {
    expect(safeUrl(new URL('ftp://user:secret@h/x'))).toBe('ftp://***:***@h/x');
    expect(safeUrl(new URL('http://h/x'))).toBe('http://h/x');
    expect(() => parseLocation('sftp://user:secret@h/x')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });

  it('log file names carry identity, kind and time and are safe on a server', () => {
    const at = Date.parse('2026-03-01T10:00:00.123Z');
    expect(logFileName('CP/1 x', 'DiagnosticsLog', at)).toBe('CP_1_x-diagnostics-2026-03-01T100000123Z.log');
    expect(logFileName('CP1', 'SecurityLog', at)).toBe('CP1-security-2026-03-01T100000123Z.log');
  });
});

describe('installed firmware version in persistent memory', () => {
  it('survives a process restart through the memory file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-mem-'));
    try {
      const file = new MemoryFile(join(dir, 'memory.json'));
      expect(file.load(1).firmwareVersion).toBeUndefined();
      file.save({ ...emptyMemory(1), firmwareVersion: '2.1.0' });
      expect(file.load(1).firmwareVersion).toBe('2.1.0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
