/**
 * candump logs: `candump -l` files ("(1700000000.123456) can0 123#DEADBEEF", remote "123#R",
 * CAN FD "123##1DEAD") and candump's console output ("can0  123   [4]  DE AD BE EF", optionally
 * after a "(timestamp)" from -t a). Each frame becomes a `device` record (event can-frame).
 */
import type { ImportSink } from './import-sink.js';
import { eachLine } from './lines.js';

const LOG_LINE = /^\s*\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]{1,8})#(#[0-9A-Fa-f])?(R\d*|[0-9A-Fa-f.]*)\s*$/;
const CONSOLE_LINE = /^\s*(?:\((\d+(?:\.\d+)?)\)\s+)?(\S+)\s+([0-9A-Fa-f]{1,8})\s+\[(\d{1,2})\]\s*((?:[0-9A-Fa-f]{2}\s*)*|remote request)\s*$/;

export async function importCandump(path: string, sink: ImportSink): Promise<void> {
  await eachLine(path, (text, line) => {
    sink.countLine();
    if (text.trim() === '') return;
    const m = LOG_LINE.exec(text);
    if (m) {
      const [, ts, bus, id, fd, body] = m as unknown as [string, string, string, string, string | undefined, string];
      const remote = body.startsWith('R');
      const data = remote ? '' : body.replaceAll('.', '').toUpperCase();
      if (data.length % 2 !== 0) return sink.problem(line, `odd number of hex digits in the data "${body}"`);
      if (data.length / 2 > (fd ? 64 : 8)) return sink.problem(line, `${data.length / 2} data bytes: more than a CAN${fd ? ' FD' : ''} frame holds`);
      return sink.event({ line, wallMs: Number(ts) * 1000, event: canEvent(bus, id, data, { remote, fd: !!fd }) });
    }
    const c = CONSOLE_LINE.exec(text);
    if (c) {
      const [, ts, bus, id, dlc, bytes] = c as unknown as [string, string | undefined, string, string, string, string];
      const remote = bytes === 'remote request';
      const data = remote ? '' : bytes.replace(/\s+/g, '').toUpperCase();
      if (!remote && data.length / 2 !== Number(dlc)) return sink.problem(line, `length [${dlc}] but ${data.length / 2} data bytes`);
      return sink.event({ line, wallMs: ts === undefined ? undefined : Number(ts) * 1000, event: canEvent(bus, id, data, { remote, fd: false }) });
    }
    sink.problem(line, 'not a candump line (expected "(ts) can0 123#DEADBEEF" or "can0 123 [4] DE AD BE EF")');
  });
}

function canEvent(bus: string, id: string, data: string, o: { remote: boolean; fd: boolean }) {
  return {
    kind: 'device' as const, device: bus, event: 'can-frame',
    data: { id: id.toUpperCase(), extended: id.length > 3, data, ...(o.remote ? { remote: true } : {}), ...(o.fd ? { fd: true } : {}) },
  };
}
