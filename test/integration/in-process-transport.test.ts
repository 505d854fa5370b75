/**
 * The in-process transport of fully virtual runs: a station link and the emulated CSMS exchange
 * frames in memory (no socket). The same scripted exchange runs over real loopback WebSockets and
 * in process, and the two traces must be the same record for record once what names the transport
 * (ports, `in-process:<n>` vs `127.0.0.1:<port>`) and ocpp-rpc's random message ids are renamed:
 * boot, a CSMS-initiated call, refused frames (not JSON, too deep, over the size limit, a payload
 * that breaks the schema), close codes (1000 with a reason, a dropped link's 1006, 1009 past the
 * transport cap) and refused handshakes (no subprotocol, a wrong password, a bad identity).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Quiescence } from '../../src/core/clock-quiescence.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { FrameLedger } from '../../src/transport/frame-ledger.js';
import { InProcessNetwork } from '../../src/transport/in-process-network.js';
import { connectStation } from '../../src/transport/ocpp-client.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import { EmulatedCsms } from '../../emulators/csms/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface Rig {
  clock: VirtualClock;
  q: Quiescence;
  ledger: FrameLedger;
  trace: MemoryTrace;
  csms: EmulatedCsms;
  connect(identity: string, extra?: { offerSubprotocol?: boolean; password?: string }): Promise<OcppLink>;
}

async function rig(inProcess: boolean): Promise<Rig> {
  const q = new Quiescence();
  const clock = new VirtualClock({ quiescence: q });
  const ledger = new FrameLedger(q, inProcess ? new InProcessNetwork(clock) : undefined);
  const trace = new MemoryTrace(clock);
  const csms = await EmulatedCsms.start({
    boot: { default: { status: 'Accepted' } }, authorization: { acceptUnknown: true }, heartbeatIntervalS: 60,
    maxFrameBytes: 4096, maxJsonDepth: 16, security: { profile: 1, password: 'secret-pass-1234' },
  }, { clock, trace, rng: new Rng(1, 'csms'), ledger });
  closers.push(() => csms.close());
  const connect = async (identity: string, extra: { offerSubprotocol?: boolean; password?: string } = {}): Promise<OcppLink> => {
    const link = await connectStation({
      url: csms.url, identity, versions: ['ocpp1.6'], security: { profile: 1, password: extra.password ?? 'secret-pass-1234' },
      clock, trace, ledger, offerSubprotocol: extra.offerSubprotocol, limits: { maxFrameBytes: 4096, maxJsonDepth: 16 },
    });
    closers.push(async () => { link.drop(); });
    return link;
  };
  return { clock, q, ledger, trace, csms, connect };
}

/** Wait until `p` holds, a quiescent point at a time (frames in flight, handlers, closes). */
async function until(r: Rig, p: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !p(); i++) await r.q.settled();
  expect(p()).toBe(true);
}

const closedAt = (r: Rig, endpoint: string, station: string): TraceRecord[] =>
  r.trace.records.filter((x) => x.kind === 'conn' && x.event === 'closed' && x.endpoint === endpoint && x.station === station);

/** The scripted exchange; returns what it saw so both transports can be compared. */
async function script(r: Rig): Promise<{ boot: unknown; reset: unknown; refusals: string[] }> {
  const a = await r.connect('CP-A');
  const boot = await a.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  await a.call('Heartbeat', {});
  // the CSMS calls the station; the station answers
  a.handle('Reset', () => ({ status: 'Accepted' }));
  const reset = await r.csms.send('CP-A', 'Reset', { type: 'Soft' });
  // refused or failing frames, each written raw (never validated by the sender)
  for (const raw of [
    'not json',
    `[2,"deep1","DataTransfer",${'['.repeat(30)}${']'.repeat(30)}]`,
    JSON.stringify([2, 'big1', 'DataTransfer', { vendorId: 'x', data: 'y'.repeat(5000) }]),
    '[2,"bad1","BootNotification",{"chargePointVendor":7}]',
    '[3,"nobody-asked",{}]',
  ]) {
    a.sendRaw(raw);
    await r.q.settled();
  }
  await a.close(1000, 'bye');
  await until(r, () => closedAt(r, 'csms', 'CP-A').length === 1 && closedAt(r, 'evse', 'CP-A').length === 1);
  // a dropped link (no close handshake), from the station's side
  const b = await r.connect('CP-B');
  await b.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  b.drop();
  await until(r, () => closedAt(r, 'csms', 'CP-B').length === 1 && closedAt(r, 'evse', 'CP-B').length === 1);
  // a frame past the transport cap (4 x maxFrameBytes): the receiving side closes with 1009
  const c = await r.connect('CP-C');
  c.sendRaw(JSON.stringify([2, 'huge1', 'DataTransfer', { vendorId: 'x', data: 'z'.repeat(20_000) }]));
  await until(r, () => closedAt(r, 'csms', 'CP-C').length === 1 && closedAt(r, 'evse', 'CP-C').length === 1);
  // handshakes the CSMS refuses
  const refusals: string[] = [];
  for (const attempt of [
    () => r.connect('CP-D', { offerSubprotocol: false }),
    () => r.connect('CP-E', { password: 'wrong-password-99' }),
    () => r.connect('X'.repeat(49)),
  ]) {
    await attempt().then(() => refusals.push('connected'), (err: Error) => refusals.push(err.message.replace(/ws:\/\/\S+?\/ocpp/, 'URL')));
  }
  await r.q.settled();
  return { boot, reset, refusals };
}

/** Rename what differs by nature: message ids, the peer address a transport gives. */
function normalise(records: TraceRecord[]): string[] {
  const ids = new Map<string, string>();
  return records.map((rec) => JSON.stringify(rec)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
      if (!ids.has(u)) ids.set(u, `ID${ids.size}`);
      return ids.get(u) as string;
    })
    .replace(/127\.0\.0\.1:\d+|in-process:\d+/g, 'PEER')
    .replace(/from (127\.0\.0\.1|in-process)\b/g, 'from PEER'));
}

describe('in-process transport', () => {
  it('gives the trace a socket gives: frames, refusals, close codes, refused handshakes', async () => {
    const sockets = await rig(false);
    const viaSockets = await script(sockets);
    const memory = await rig(true);
    const inProcess = await script(memory);

    // the in-process run did not use sockets: its peers read in-process:<n>
    expect(memory.trace.records.find((x) => x.kind === 'conn' && x.event === 'open' && x.endpoint === 'csms')).toMatchObject({ detail: 'ocpp1.6 from in-process' });
    expect(sockets.trace.records.find((x) => x.kind === 'conn' && x.event === 'open' && x.endpoint === 'csms')).toMatchObject({ detail: 'ocpp1.6 from 127.0.0.1' });

    // real verdicts, not an empty exchange
    expect(inProcess.boot).toMatchObject({ status: 'Accepted', interval: 60 });
    expect(inProcess.reset).toEqual({ status: 'Accepted' });
    const text = normalise(memory.trace.records).join('\n');
    expect(text).toContain('"event":"bad-frame"');
    expect(text).toMatch(/refused JSON nested deeper than 16/);
    expect(text).toMatch(/refused frame of 5052 bytes exceeds the limit of 4096 bytes/);
    // a raw frame is not validated by its sender: the receiver still checks it
    expect(text).toContain('"event":"schema-violation","detail":"inbound BootNotification: data must have required property \'chargePointModel\'"');
    expect(text).toContain('[4,\\"bad1\\",\\"OccurenceConstraintViolation\\"');
    expect(closedAt(memory, 'csms', 'CP-A')[0]).toMatchObject({ detail: '1000 bye' });
    expect(closedAt(memory, 'evse', 'CP-A')[0]).toMatchObject({ detail: '1000 bye' });
    expect(closedAt(memory, 'csms', 'CP-B')[0]).toMatchObject({ detail: '1006' });
    // past the transport cap the CSMS sends 1009 and stops reading (so it never reads the echo: 1006)
    expect(closedAt(memory, 'evse', 'CP-C')[0]).toMatchObject({ detail: '1009' });
    expect(closedAt(memory, 'csms', 'CP-C')[0]).toMatchObject({ detail: '1006' });
    expect(inProcess.refusals).toEqual([
      'CP-D: cannot connect to URL: Bad Request (HTTP 400)',
      'CP-E: cannot connect to URL: Unauthorized (HTTP 401)',
      `${'X'.repeat(49)}: cannot connect to URL: Bad Request (HTTP 400)`,
    ]);

    // and the same as over sockets, record for record
    expect(inProcess).toEqual(viaSockets);
    const a = normalise(sockets.trace.records);
    const b = normalise(memory.trace.records);
    expect(b.filter((l, i) => l !== a[i]).slice(0, 5)).toEqual([]);
    expect(b).toHaveLength(a.length);
  }, 60_000);

  it('validates a frame once when the in-process sender validated it, and twice on the socket path', async () => {
    const counts: Record<string, number> = {};
    for (const inProcess of [false, true]) {
      const r = await rig(inProcess);
      const link = await r.connect('CP-V');
      const peers = [(link as unknown as { peer: object }).peer, (r.csms as unknown as { registry: Map<string, { link: { peer: object } }> }).registry.get('CP-V')?.link.peer];
      // count the checks ocpp-rpc's validators really run (shared by every peer: wrap each once;
      // a check the receiver skips never reaches them)
      type V = { validate(id: string, x: unknown): unknown };
      const validators = new Set<V>();
      for (const p of peers) for (const v of (p as { _strictValidators: Map<string, V> })._strictValidators.values()) validators.add(v);
      let n = 0;
      const restore: (() => void)[] = [];
      for (const v of validators) {
        const orig = v.validate;
        v.validate = function (this: V, id: string, x: unknown): unknown { n++; return orig.call(this, id, x); };
        restore.push(() => { v.validate = orig; });
      }
      try {
        await link.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      } finally {
        for (const f of restore) f();
      }
      counts[inProcess ? 'inProcess' : 'sockets'] = n;
    }
    // sockets: CALL out (station), CALL in (CSMS), CALLRESULT out (CSMS), CALLRESULT in (station);
    // in process the receiving checks of the two frames the sender validated are skipped
    expect(counts).toEqual({ sockets: 4, inProcess: 2 });
  }, 30_000);
});
