/**
 * Fast external CSMS peer of the budget-error benchmark, independent of chargebench's code: a bare
 * `ws` server (no chargebench module, no ocpp-rpc) that answers every OCPP-J CALL after holding it for
 * a known delay and prints, per answer, how long it held the CALL on its own clock (process.hrtime):
 * the ground truth the harness's measured time is compared to.
 *
 *   node dist/test/bench/budget-error-peer.js [--delay-ms 200] [--deflate] [--spin-us 2000]
 *
 * prints {"url": "ws://127.0.0.1:<port>/ocpp"} once listening, then {"id", "action", "heldUs"} per
 * answer; exits when stdin closes.
 *
 * The hold starts when the frame is read (the `message` event, in the same turn as the socket read;
 * without permessage-deflate no thread pool hop sits between) and ends after the answer was handed to
 * the socket (ws writes a small uncompressed frame synchronously). The timer is armed --spin-us early
 * and the rest is waited by spinning on hrtime, so the answer leaves at the asked instant whatever the
 * timer's slack; the ground truth is what was actually held either way. --deflate accepts
 * permessage-deflate (off by default: it puts zlib's thread pool on both sides of the hold).
 */
import { createInterface } from 'node:readline';
import { WebSocketServer, type WebSocket } from 'ws';

interface Options { delayMs: number; deflate: boolean; spinUs: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { delayMs: 200, deflate: false, spinUs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--delay-ms') o.delayMs = Number(val());
    else if (a === '--spin-us') o.spinUs = Math.max(0, Number(val()));
    else if (a === '--deflate') o.deflate = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isFinite(o.delayMs) || o.delayMs < 0) throw new Error(`--delay-ms must be a number >= 0, got ${o.delayMs}`);
  return o;
}

function answerTo(action: string): object {
  const currentTime = new Date().toISOString();
  if (action === 'BootNotification') return { status: 'Accepted', currentTime, interval: 86400 };
  if (action === 'Heartbeat') return { currentTime };
  return {};
}

function serve(ws: WebSocket, o: Options): void {
  const delayNs = BigInt(Math.round(o.delayMs * 1e6));
  ws.on('message', (data) => {
    const tRecv = process.hrtime.bigint();
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!Array.isArray(msg) || msg[0] !== 2 || msg.length < 4) return;
    const [, id, action] = msg as [number, string, string];
    const text = JSON.stringify([3, id, answerTo(action)]);
    const due = tRecv + delayNs;
    const fire = (): void => {
      while (process.hrtime.bigint() < due) { /* spin the last stretch: the timer's slack is not the peer's hold */ }
      ws.send(text);
      const tSend = process.hrtime.bigint();
      process.stdout.write(`${JSON.stringify({ id, action, heldUs: Number(tSend - tRecv) / 1000 })}\n`);
    };
    const early = o.delayMs - o.spinUs / 1000 - Number(process.hrtime.bigint() - tRecv) / 1e6;
    if (early > 0) setTimeout(fire, early);
    else fire();
  });
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const wss = new WebSocketServer({
    host: '127.0.0.1', port: 0, perMessageDeflate: o.deflate,
    handleProtocols: (protocols) => (protocols.has('ocpp1.6') ? 'ocpp1.6' : [...protocols][0] ?? false),
  });
  wss.on('connection', (ws) => serve(ws, o));
  wss.on('listening', () => {
    const addr = wss.address();
    if (addr === null || typeof addr === 'string') throw new Error(`unexpected address ${String(addr)}`);
    process.stdout.write(`${JSON.stringify({ url: `ws://127.0.0.1:${addr.port}/ocpp` })}\n`);
  });
  createInterface({ input: process.stdin }).on('close', () => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => process.exit(0));
  });
}

main();
