import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { CanBusEvent } from '../../src/transport/can/can-bus.js';
import { type CanFrame, frameBitCount, stuffBitCount, worstCaseBits } from '../../src/transport/can/frame.js';
import { VirtualCanMedium } from '../../src/transport/can/virtual-bus.js';

const ext = (id: number, bytes: number[] = [1, 2, 3, 4, 5, 6, 7, 8]): CanFrame => ({ id, extended: true, data: Uint8Array.from(bytes), dlc: bytes.length });

describe('CAN frame bits', () => {
  it('counts stuff bits: a run of 5 equal bits gets one, and the stuff bit starts the next run', () => {
    expect(stuffBitCount([0, 0, 0, 0, 0])).toBe(1);
    expect(stuffBitCount(Array(34).fill(0))).toBe(6);
    expect(stuffBitCount([0, 1, 0, 1, 0, 1])).toBe(0);
    expect(stuffBitCount([1, 1, 1, 1, 1, 0, 0, 0, 0])).toBe(2); // 11111 (1) -> stuff 0 + 0000 = run of 5 zeros
  });

  it('an all-zero standard frame with DLC 0 takes 34 + 6 stuff + 13 = 53 bits (its CRC is 0)', () => {
    expect(frameBitCount({ id: 0, extended: false, data: new Uint8Array(0), dlc: 0 })).toBe(53);
  });

  it('worst-case bounds are the textbook 135 (standard, 8 bytes) and 160 (extended, 8 bytes)', () => {
    expect(worstCaseBits(false, 8)).toBe(135);
    expect(worstCaseBits(true, 8)).toBe(160);
    const rng = new Rng(7, 'frames');
    for (let i = 0; i < 500; i++) {
      const n = rng.int(0, 8);
      const data = Array.from({ length: n }, () => rng.int(0, 255));
      const f = ext(rng.int(0, 0x1fffffff), data);
      const bits = frameBitCount(f);
      expect(bits).toBeGreaterThanOrEqual(54 + 8 * n + 13);
      expect(bits).toBeLessThanOrEqual(worstCaseBits(true, n));
    }
  });
});

describe('virtual CAN bus', () => {
  it('times a frame by its bit count at the bus bit rate and delivers it to the other nodes only', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'dc', bitrate: 125_000 });
    const a = bus.attach('a');
    const b = bus.attach('b');
    const gotA: CanFrame[] = [];
    const gotB: CanFrame[] = [];
    a.onFrame((f) => gotA.push(f));
    b.onFrame((f) => gotB.push(f));
    const f = ext(0x0a0101f0);
    const sent = a.send(f);
    await clock.runUntilIdle();
    await sent;
    expect(gotA).toEqual([]);
    expect(gotB).toHaveLength(1);
    expect(gotB[0]?.timestamp).toBeCloseTo((frameBitCount(f) / 125_000) * 1000, 9);
    expect([...(gotB[0]?.data ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('arbitrates by identifier: the lowest id wins, a standard frame beats an extended one with the same base id', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'arb' });
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => bus.attach(n));
    const rx = bus.attach('rx');
    const order: string[] = [];
    rx.onFrame((f) => order.push(`${f.extended ? 'x' : 's'}${f.id.toString(16)}`));
    // the bus is busy with a first frame while the others queue up
    void nodes[0]?.send(ext(0x1fffffff));
    void nodes[1]?.send(ext(0x100 << 18 | 5));
    void nodes[2]?.send({ id: 0x100, extended: false, data: [1] });
    void nodes[3]?.send(ext(0x0ff << 18));
    await clock.runUntilIdle();
    expect(order).toEqual(['x1fffffff', 'x3fc0000', 's100', 'x4000005']);
  });

  it('a node that answers from inside its frame listener: one frame on the wire at a time, every injected error frame happens exactly once', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'echo', bitrate: 125_000 });
    const a = bus.attach('a');
    const b = bus.attach('b');
    b.onFrame((f) => {
      if (f.id === 0x100) bus.injectErrorFrames(3); // errors while answers are being queued from inside the listener
      if (f.id < 0x120) void b.send(ext(f.id + 0x10));
    });
    const wire: { startT: number; endT: number }[] = [];
    bus.monitor((r) => wire.push({ startT: r.startT, endT: r.endT }));
    let errorEvents = 0;
    bus.monitorEvents((_n, e) => { if (e.kind === 'error-frame') errorEvents++; });
    for (let i = 0; i < 5; i++) void a.send(ext(0x100 + i));
    await clock.runUntilIdle();
    expect(wire.length).toBe(10);
    for (let i = 1; i < wire.length; i++) expect(wire[i]?.startT).toBeGreaterThanOrEqual((wire[i - 1]?.endT ?? 0) - 1e-9);
    expect(bus.stats.errorFrames).toBe(3);
    expect(errorEvents).toBe(3);
  });

  it('filters by id and mask', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'f' });
    const tx = bus.attach('tx');
    const rx = bus.attach('rx');
    const got: number[] = [];
    rx.onFrame((f) => got.push(f.id), [{ id: 0x0b000000, mask: 0x1f000000, extended: true }]);
    for (const id of [0x0a0101f0, 0x0b01f001, 0x0b02f002]) void tx.send(ext(id));
    void tx.send({ id: 0x0b, extended: false, data: [] });
    await clock.runUntilIdle();
    expect(got).toEqual([0x0b01f001, 0x0b02f002]);
  });

  it('carries exactly the theoretical number of frames at saturation, with nothing dropped', async () => {
    for (const bitrate of [500_000, 1_000_000]) {
      const clock = new VirtualClock();
      const bus = new VirtualCanMedium(clock, { name: 'sat', bitrate });
      const senders = [bus.attach('s1'), bus.attach('s2'), bus.attach('s3')];
      const rx = bus.attach('rx');
      let received = 0;
      let bits = 0;
      rx.onFrame((f) => { received++; bits += frameBitCount(f); });
      const sends: Promise<void>[] = [];
      senders.forEach((s, k) => { for (let i = 0; i < 300; i++) sends.push(s.send(ext(0x100 + k, [i & 0xff, k, 0, 0, 0, 0, 0, 0]))); });
      await clock.runUntilIdle();
      await Promise.all(sends);
      expect(received).toBe(900);
      expect(clock.now()).toBeCloseTo((bits / bitrate) * 1000, 6);
      expect(bus.stats.frames).toBe(900);
    }
  });

  it('an error frame destroys a transmission, the sender retransmits and its TEC moves +8 then -1', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'err', bitrate: 250_000 });
    const a = bus.attach('a');
    const b = bus.attach('b');
    const events: CanBusEvent[] = [];
    a.onEvent((e) => events.push(e));
    const monitor: string[] = [];
    bus.monitorEvents((node, e) => monitor.push(`${node}:${e.kind}`));
    const got: CanFrame[] = [];
    b.onFrame((f) => got.push(f));
    bus.injectErrorFrames(1);
    void a.send(ext(0x123));
    await clock.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(a.counters()).toEqual({ tec: 7, rec: 0 });
    expect(b.counters()).toEqual({ tec: 0, rec: 0 });
    expect(monitor).toEqual(['a:error-frame']);
    expect(bus.stats.errorFrames).toBe(1);
    expect(clock.now()).toBeGreaterThan((frameBitCount(ext(0x123)) * 2 - 20) / 250);
  });

  it('repeated error frames take the sender error-passive, then bus-off; its frame is rejected', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'boff' });
    const a = bus.attach('a');
    bus.attach('b');
    const states: string[] = [];
    a.onEvent((e) => { if (e.kind === 'state') states.push(e.state); });
    bus.injectErrorFrames(40);
    const sent = a.send(ext(0x1));
    const outcome = sent.then(() => 'sent', (e: Error) => e.message);
    await clock.runUntilIdle();
    expect(await outcome).toMatch(/bus-off/);
    expect(states).toEqual(['error-passive', 'bus-off']);
    expect(a.state()).toBe('bus-off');
    await expect(a.send(ext(0x2))).rejects.toThrow(/bus-off/);
  });

  it('an injected bus-off silences a node until it recovers after 128 x 11 bit times', async () => {
    const clock = new VirtualClock();
    const bus = new VirtualCanMedium(clock, { name: 'inj', bitrate: 125_000 });
    const a = bus.attach('a');
    const b = bus.attach('b');
    const got: number[] = [];
    a.onFrame((f) => got.push(f.id));
    a.goBusOff();
    void b.send(ext(0x10));
    await clock.runUntilIdle();
    expect(got).toEqual([]);
    a.recover();
    const t0 = clock.now();
    await clock.runUntilIdle();
    expect(clock.now() - t0).toBeCloseTo((128 * 11 * 1000) / 125_000, 9);
    expect(a.state()).toBe('error-active');
    void b.send(ext(0x11));
    await clock.runUntilIdle();
    expect(got).toEqual([0x11]);
  });

  it('on a real clock a late timer completes every frame that is due: 2000 frames at 1 Mbit/s in about their bus time', async () => {
    const clock = new RealClock();
    const bus = new VirtualCanMedium(clock, { name: 'real', bitrate: 1_000_000 });
    const tx = bus.attach('tx');
    const rx = bus.attach('rx');
    let n = 0;
    rx.onFrame(() => { n++; });
    const t0 = clock.now();
    const sends = Array.from({ length: 2000 }, (_, i) => tx.send(ext(0x200, [i & 0xff])));
    await Promise.all(sends);
    const elapsed = clock.now() - t0;
    expect(n).toBe(2000);
    const busMs = (2000 * frameBitCount(ext(0x200, [0]))) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(busMs * 0.95); // never faster than the wire
    expect(elapsed).toBeLessThan(busMs * 4 + 200);
  });

  it('rejects frames that classical CAN cannot carry, naming the bus and node', async () => {
    const bus = new VirtualCanMedium(new VirtualClock(), { name: 'dc' });
    const a = bus.attach('ctrl');
    expect(() => a.send({ id: 0x800, extended: false, data: [] })).toThrow(/dc node ctrl: CAN id 2048 is outside/);
    expect(() => a.send({ id: 1, extended: true, data: Array(9).fill(0) })).toThrow(/9 bytes/);
  });
});
