/**
 * OCPP over WebSocket and Modbus/TCP from pcap / pcapng captures, decoded by tshark (Wireshark's
 * command-line dissector, Debian package `tshark`). WebSocket connections are found by their
 * HTTP upgrade (any port: a first quick pass finds the ports and decodes them as HTTP); the
 * station identity is the last path segment of the upgrade URI, and frames from the side that
 * sent the upgrade went up. Modbus/TCP on port 502 and any --modbus-port becomes `device`
 * records (modbus-request / modbus-response). tshark's output is read line by line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { ImportSink } from './import-sink.js';

const SEP = '\t';
const AGG = '\u001f';
const FIELDS = [
  'frame.number', 'frame.time_epoch', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'http.request.uri', 'websocket.opcode', 'websocket.payload.text',
  'mbtcp.trans_id', 'mbtcp.unit_id', 'modbus.func_code', 'modbus.reference_num', 'modbus.word_cnt', 'modbus.regval_uint16', 'modbus.exception_code',
] as const;

export interface PcapOptions {
  tshark?: string | undefined;
  modbusPorts?: number[] | undefined;
}

/** Path of tshark, or a HarnessError saying how to get it. */
export function findTshark(explicit?: string): string {
  const bin = explicit ?? 'tshark';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new HarnessError(ERROR_CODES.USAGE, `reading pcap files needs tshark, which was not found (${r.error?.message ?? `exit ${r.status}`}): install it (Debian/Ubuntu: apt-get install tshark) or export the frames as a JSON or text log`, { tool: bin });
  }
  return bin;
}

function websocketPorts(tshark: string, path: string): number[] {
  const r = spawnSync(tshark, ['-n', '-r', path, '-Y', 'tcp contains "Upgrade: websocket" or tcp contains "upgrade: websocket"', '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new HarnessError(ERROR_CODES.USAGE, `tshark cannot read ${path}: ${(r.stderr || '').trim().split('\n').at(-1) ?? ''}`, { path });
  return [...new Set(r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0))];
}

export async function importPcap(path: string, sink: ImportSink, o: PcapOptions = {}): Promise<void> {
  const tshark = findTshark(o.tshark);
  const wsPorts = websocketPorts(tshark, path);
  const mbPorts = [...new Set([502, ...(o.modbusPorts ?? [])])];
  const decode = [...wsPorts.flatMap((p) => ['-d', `tcp.port==${p},http`]), ...mbPorts.filter((p) => p !== 502).flatMap((p) => ['-d', `tcp.port==${p},mbtcp`])];
  // the Modbus/TCP dissector tells requests from responses by its server port (one port: the last named)
  const mbPref = mbPorts.length > 1 ? ['-o', `mbtcp.tcp.port:${mbPorts.at(-1)}`] : [];
  const args = ['-n', '-r', path, ...decode, ...mbPref, '-Y', 'http.request or websocket or mbtcp', '-T', 'fields', '-E', `separator=${SEP}`, '-E', `aggregator=${AGG}`, ...FIELDS.flatMap((f) => ['-e', f])];
  const child = spawn(tshark, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  /** tcp.stream -> the station's identity and port (from its upgrade request). */
  const streams = new Map<string, { identity: string; port: string }>();
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const text of rl) {
    sink.countLine();
    const v = text.split(SEP);
    const f = (name: (typeof FIELDS)[number]): string => v[FIELDS.indexOf(name)] ?? '';
    const packet = Number(f('frame.number'));
    const wallMs = Number(f('frame.time_epoch')) * 1000;
    const stream = f('tcp.stream');
    const uri = f('http.request.uri');
    if (uri) {
      const identity = decodeURIComponent(uri.split('?')[0]?.split('/').filter(Boolean).at(-1) ?? '');
      if (!identity) sink.problem(packet, `WebSocket upgrade to ${uri} names no station identity`);
      else streams.set(stream, { identity, port: f('tcp.srcport') });
      continue;
    }
    if (f('websocket.opcode')) {
      const st = streams.get(stream);
      const ops = f('websocket.opcode').split(AGG);
      const texts = f('websocket.payload.text').split(AGG);
      let ti = 0;
      for (const op of ops) {
        if (op !== '1' && op !== '8') continue;
        if (!st) {
          sink.problem(packet, `WebSocket frame on TCP stream ${stream} whose upgrade request is not in the capture: station unknown`);
          break;
        }
        const up = f('tcp.srcport') === st.port;
        if (op === '8') {
          sink.event({ line: packet, wallMs, event: { kind: 'conn', endpoint: 'evse', station: st.identity, event: 'closed', detail: up ? 'closed by the station' : 'closed by the CSMS' } });
          continue;
        }
        sink.frame({ line: packet, wallMs, station: st.identity, dir: up ? 'up' : 'down', frame: texts[ti++] ?? '' });
      }
      continue;
    }
    if (f('mbtcp.trans_id')) {
      const request = mbPorts.includes(Number(f('tcp.dstport')));
      const regs = f('modbus.regval_uint16');
      const exc = f('modbus.exception_code');
      sink.event({ line: packet, wallMs, event: { kind: 'device', device: `modbus:${request ? f('tcp.dstport') : f('tcp.srcport')}`, event: request ? 'modbus-request' : 'modbus-response', data: {
        transaction: Number(f('mbtcp.trans_id')), unit: Number(f('mbtcp.unit_id')), function: Number(f('modbus.func_code')),
        ...(f('modbus.reference_num') ? { address: Number(f('modbus.reference_num')) } : {}),
        ...(f('modbus.word_cnt') ? { count: Number(f('modbus.word_cnt')) } : {}),
        ...(regs ? { registers: regs.split(AGG).map(Number) } : {}),
        ...(exc ? { exception: Number(exc) } : {}),
      } } });
    }
  }
  const code = await exited;
  if (code !== 0) throw new HarnessError(ERROR_CODES.USAGE, `tshark failed on ${path} (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`, { path });
}
