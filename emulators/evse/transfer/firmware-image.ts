/**
 * What a downloaded firmware image installs, and the check of a signed image (OCPP 2.0.1 L01).
 *
 * The version rule, in order:
 *   1. the station config's `firmware.images["<file name>"]` (file name = last path segment of the
 *      download URL, percent-decoded);
 *   2. a version in the file name: the first run of dot-separated numbers with an optional
 *      pre-release suffix, after dropping image extensions (`fw-2.1.0.bin` -> `2.1.0`,
 *      `evse_v3.4-rc1.tar.gz` -> `3.4-rc1`);
 *   3. else `sha256-` and the first 12 hex digits of the image's SHA-256.
 * The result is cut to 50 characters (the BootNotification field's limit in both versions).
 */
import { createHash, verify, X509Certificate } from 'node:crypto';

export type VersionRule = 'configured' | 'file-name' | 'sha256';

const IMAGE_EXTENSIONS = /\.(bin|img|hex|fw|zip|gz|tgz|tar|bz2|xz|swu|raucb|signed|sig|pkg|deb|ipk)$/i;
const VERSION_IN_NAME = /(\d+(?:\.\d+)+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)/;

/** Last path segment of a location, percent-decoded ('' for none or an unparsable location). */
export function imageFileName(location: string): string {
  try {
    const path = new URL(location).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return '';
  }
}

/** The version `image`, downloaded as `fileName`, installs (see the rule above). */
export function imageVersion(fileName: string, image: Buffer, images: Readonly<Record<string, string>>): { version: string; rule: VersionRule } {
  const configured = Object.hasOwn(images, fileName) ? images[fileName] : undefined;
  if (configured) return { version: configured.slice(0, 50), rule: 'configured' };
  let stem = fileName;
  while (IMAGE_EXTENSIONS.test(stem)) stem = stem.replace(IMAGE_EXTENSIONS, '');
  const m = VERSION_IN_NAME.exec(stem);
  if (m?.[1]) return { version: m[1].slice(0, 50), rule: 'file-name' };
  return { version: `sha256-${createHash('sha256').update(image).digest('hex').slice(0, 12)}`, rule: 'sha256' };
}

/** The signing certificate of an UpdateFirmware request, or why it cannot be used. */
export function parseSigningCertificate(pem: string): { ok: true; cert: X509Certificate } | { ok: false; reason: string } {
  try {
    return { ok: true, cert: new X509Certificate(pem) };
  } catch (err) {
    return { ok: false, reason: `signingCertificate is not a PEM X.509 certificate: ${(err as Error).message}` };
  }
}

/**
 * Does `signatureB64` (base64, as the request carries it) sign `image` with SHA-256 under the
 * certificate's public key (RSA PKCS#1 v1.5 or ECDSA, DER-encoded)?
 */
export function verifyImageSignature(image: Buffer, signatureB64: string, cert: X509Certificate): boolean {
  const signature = Buffer.from(signatureB64, 'base64');
  if (signature.length === 0) return false;
  try {
    return verify('sha256', image, cert.publicKey, signature);
  } catch {
    return false;
  }
}
