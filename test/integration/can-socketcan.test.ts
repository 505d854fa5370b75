/**
 * SocketCAN through the optional `socketcan` package. This needs a kernel with AF_CAN and a vcan
 * interface (ip link add vcan0 type vcan && ip link set vcan0 up); where either is missing the
 * tests are skipped with the reason printed, and count as skipped, never as passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { loadSocketcan, SocketcanBus } from '../../src/transport/can/socketcan-bus.js';

const IFACE = process.env.CB_VCAN ?? 'vcan0';

function afCanMissing(): string | undefined {
  try {
    loadSocketcan();
  } catch (err) {
    return (err as Error).message;
  }
  const protocols = existsSync('/proc/net/protocols') ? readFileSync('/proc/net/protocols', 'utf8') : '';
  if (!/^CAN\b/m.test(protocols) && !existsSync('/proc/net/can')) return 'this kernel has no AF_CAN (no CAN in /proc/net/protocols, no /proc/net/can)';
  if (!existsSync(`/sys/class/net/${IFACE}`)) return `no ${IFACE} interface (ip link add ${IFACE} type vcan && ip link set ${IFACE} up)`;
  return undefined;
}

const reason = afCanMissing();
if (reason) console.log(`can-socketcan: skipped, ${reason}`);

describe.skipIf(reason !== undefined)(`SocketCAN on ${IFACE}`, () => {
  it('two channels on the interface see each other\'s frames', async () => {
    const clock = new RealClock();
    const a = SocketcanBus.open({ interface: IFACE, bitrate: 500_000 }, clock);
    const b = SocketcanBus.open({ interface: IFACE, bitrate: 500_000 }, clock);
    try {
      const got = new Promise<number>((resolve) => b.onFrame((f) => resolve(f.id)));
      await a.send({ id: 0x0a0101f0, extended: true, data: [1, 2, 3] });
      expect(await got).toBe(0x0a0101f0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('SocketCAN errors', () => {
  it.skipIf(reason === undefined)('opening an interface where SocketCAN is unavailable names the interface and what to do', () => {
    expect(() => SocketcanBus.open({ interface: 'can-missing0', bitrate: 125_000 }, new RealClock()))
      .toThrow(/socketcan|SocketCAN interface can-missing0: cannot open it/);
  });
});
