/**
 * The station's side of file transfers, shared by the 1.6 and 2.0.1 handlers: the TransferHost of a
 * station and what installing an image does to its persistent memory.
 */
import type { ChargeStation } from '../station.js';
import { clientSecurity } from '../security.js';
import { imageFileName, imageVersion, type VersionRule } from './firmware-image.js';
import type { TransferHost } from './url-transfer.js';

export { download, upload, retryPlan, type RetryPlan } from './url-transfer.js';

/** Transfers of this station: its clock, its trace, its time limit, the CA it trusts for its CSMS. */
export function transferHost(s: ChargeStation): TransferHost {
  let ca: string | undefined;
  try {
    ca = clientSecurity(s.config.security).ca;
  } catch {
    ca = undefined; // an unreadable caFile already fails the CSMS connection with its own message
  }
  return {
    clock: s.clock,
    beginWork: (label) => s.beginWork(label),
    note: (event, data) => s.trace.record({ kind: 'device', device: s.identity, event, data }),
    timeoutMs: s.config.firmware.transferTimeoutS * 1000,
    ca,
  };
}

/**
 * Install a downloaded image: its version (firmware-image.ts rule) becomes the one the station reports
 * from its next boot on, kept in persistent memory.
 */
export function installImage(s: ChargeStation, location: string, image: Buffer): { version: string; rule: VersionRule; fileName: string } {
  const fileName = imageFileName(location);
  const { version, rule } = imageVersion(fileName, image, s.config.firmware.images);
  s.memory.firmwareVersion = version;
  s.persist();
  s.trace.record({ kind: 'device', device: s.identity, event: 'firmware-installed', data: { fileName, bytes: image.length, version, rule } });
  return { version, rule, fileName };
}
