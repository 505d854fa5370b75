/**
 * The diagnostics / log file a station uploads (1.6 GetDiagnostics, 2.0.1 GetLog): a small text file
 * built from what the station knows about itself at the time of the request.
 */
import { isoTime } from '../../../src/core/clock.js';
import { detailedStatus } from '../connector.js';
import type { ChargeStation } from '../station.js';

export type LogKind = 'DiagnosticsLog' | 'SecurityLog';

/** File name of a log: identity, kind and time, safe on FTP servers and within 255 characters. */
export function logFileName(identity: string, kind: LogKind, wallMs: number): string {
  const stamp = isoTime(wallMs).replace(/[:.]/g, '');
  const tag = kind === 'SecurityLog' ? 'security' : 'diagnostics';
  return `${identity.replace(/[^A-Za-z0-9_.-]/g, '_')}-${tag}-${stamp}.log`.slice(-255);
}

/** The log's text: a header, then one line per connector, then the queue and counters. */
export function buildLogFile(s: ChargeStation, kind: LogKind, window: { from?: string | undefined; to?: string | undefined } = {}): Buffer {
  const cfg = s.config;
  const lines = [
    `# ${kind} of ${s.identity}`,
    `generated=${isoTime(s.clock.wallTime())}`,
    `vendor=${cfg.vendor} model=${cfg.model} serial=${cfg.serialNumber ?? '-'}`,
    `ocpp=${cfg.ocppVersion} firmware=${s.memory.firmwareVersion ?? cfg.firmwareVersion}`,
    `boots=${s.memory.bootCount} state=${s.state} connected=${s.connected}`,
    `window=${window.from ?? '-'}..${window.to ?? '-'}`,
  ];
  if (kind === 'DiagnosticsLog') {
    for (const c of s.sessions.connectors) {
      lines.push(`connector ${c.id}: status=${detailedStatus(c)} tx=${c.tx?.localTxId ?? '-'} fault=${c.fault?.errorCode ?? '-'}`);
    }
    lines.push(`queued-transaction-messages=${s.memory.queue.length}`);
    lines.push(`local-list-version=${s.memory.localList.version} entries=${Object.keys(s.memory.localList.entries).length}`);
  } else {
    lines.push(`security-profile=${cfg.security.profile}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
