/**
 * slcan over a socat pty pair against python-can's slcan interface (Debian python3-can), both
 * directions: python-can opens its end as a host (C, S4, O), chargebench plays the adapter; frames
 * python-can sends must arrive decoded, and frames chargebench sends must be decoded by python-can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import type { CanFrame } from '../../src/transport/can/frame.js';
import { SlcanBus } from '../../src/transport/can/slcan-bus.js';
import { createPtyPair, findSocat, type PtyPair } from '../support/pty.js';
import { pythonCanMissing, startPeer, type PeerProcess } from '../support/python-can.js';

const missing = pythonCanMissing() ?? (findSocat() ? undefined : 'socat is not installed (apt-get install -y socat)');
if (missing) console.log(`can-slcan: skipped, ${missing}`);

describe.skipIf(missing !== undefined)('slcan over a pty with python-can as the peer', () => {
  let pty: PtyPair | undefined;
  let peer: PeerProcess | undefined;
  let bus: SlcanBus | undefined;
  afterEach(async () => {
    await peer?.stop();
    await bus?.close();
    await pty?.cleanup();
    peer = undefined;
    bus = undefined;
    pty = undefined;
  });

  it('python-can -> chargebench and chargebench -> python-can, standard and extended ids', async () => {
    pty = await createPtyPair();
    bus = await SlcanBus.open({ path: pty.a, bitrate: 125_000, role: 'adapter' }, new RealClock());
    const got: CanFrame[] = [];
    bus.onFrame((f) => got.push(f));
    peer = await startPeer(['peer', pty.b, '125000']);

    peer.send({ id: 0x0b01f001, ext: true, data: '0005b8d800002710' });
    peer.send({ id: 0x123, ext: false, data: '' });
    peer.send({ id: 0x7ff, ext: false, data: 'deadbeef' });
    const deadline = Date.now() + 5000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got.map((f) => [f.id, f.extended, f.dlc, Buffer.from(f.data).toString('hex')])).toEqual([
      [0x0b01f001, true, 8, '0005b8d800002710'],
      [0x123, false, 0, ''],
      [0x7ff, false, 4, 'deadbeef'],
    ]);

    await bus.send({ id: 0x0a0101f0, extended: true, data: [0, 5, 0xb8, 0xd8, 0, 0, 0x27, 0x10] });
    await bus.send({ id: 0x1, extended: false, data: [0xff] });
    await bus.send({ id: 0x1fffffff, extended: true, rtr: true, data: [], dlc: 8 });
    await peer.waitFor((l) => (l.rx as { id?: number } | undefined)?.id === 0x1fffffff, 5000);
    const rx = peer.lines.filter((l) => l.rx).map((l) => l.rx);
    expect(rx).toEqual([
      { id: 0x0a0101f0, ext: true, rtr: false, dlc: 8, data: '0005b8d800002710' },
      { id: 0x1, ext: false, rtr: false, dlc: 1, data: 'ff' },
      { id: 0x1fffffff, ext: true, rtr: true, dlc: 8, data: '' },
    ]);
    expect(bus.stats.errors).toBe(0);
  });

  it('a garbled line is an error event naming the line; the frames around it still arrive', async () => {
    pty = await createPtyPair();
    bus = await SlcanBus.open({ path: pty.a, bitrate: 500_000, role: 'adapter' }, new RealClock());
    const other = await SlcanBus.open({ path: pty.b, bitrate: 500_000, role: 'host' }, new RealClock());
    try {
      const got: number[] = [];
      const errors: string[] = [];
      bus.onFrame((f) => got.push(f.id));
      bus.onEvent((e) => { if (e.kind === 'error-frame') errors.push(e.detail); });
      await other.send({ id: 0x10, extended: false, data: [1] });
      await (other as unknown as { write(t: string): Promise<void> }).write('t12X\r');
      await other.send({ id: 0x11, extended: false, data: [2] });
      const deadline = Date.now() + 5000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([0x10, 0x11]);
      expect(errors).toEqual([expect.stringMatching(/bad slcan frame line "t12X"/)]);
    } finally {
      await other.close();
    }
  });

  it('a missing serial device is an infrastructure error naming it', async () => {
    await expect(SlcanBus.open({ path: '/dev/does-not-exist-cb', bitrate: 125_000 }, new RealClock()))
      .rejects.toThrow(/slcan \/dev\/does-not-exist-cb: cannot open the serial device/);
    await expect(SlcanBus.open({ path: '/dev/null', bitrate: 123_000 }, new RealClock())).rejects.toThrow(/slcan supports bit rates/);
  });
});
