/**
 * CAN benchmark: frames per second through the virtual bus at 500 kbit/s and 1 Mbit/s against the
 * theoretical capacity of the bus (bit rate / bits per frame, stuffing included), with every sender
 * saturating the bus (nothing may be dropped), and slcan throughput over a socat pty pair.
 *
 *   npm run build && node dist/test/bench/can-bus.bench.js [--frames 20000] [--slcan-frames 5000] [--out out/bench/can-bus.json]
 *
 * Virtual bus: 4 nodes queue `frames` 8-byte extended frames each at once; the bus carries them on
 * the VirtualClock. "bus frames/s" is frames / virtual seconds (what a real bus would carry);
 * "capacity" is bit rate / mean bits per frame of the same frames, and the 160-bit worst case;
 * "sim frames/s" is how fast the harness simulates them (wall clock).
 * slcan: one SlcanBus (host) writes to a pty, another (adapter role) reads the other end; a pty does
 * not pace bytes, so this is the software path's ceiling, not a USB adapter's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RealClock } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { frameBitCount, worstCaseBits } from '../../src/transport/can/frame.js';
import { SlcanBus } from '../../src/transport/can/slcan-bus.js';
import { VirtualCanMedium } from '../../src/transport/can/virtual-bus.js';
import { createPtyPair, findSocat } from '../support/pty.js';
import { readFlags } from './cli-flags.js';

let frames = 20_000;
let slcanFrames = 5_000;
let out = 'out/bench/can-bus.json';
readFlags(process.argv.slice(2), (flag, value) => {
  if (flag === '--frames') frames = Number(value());
  else if (flag === '--slcan-frames') slcanFrames = Number(value());
  else if (flag === '--out') out = value();
  else throw new Error(`unknown flag ${flag}`);
});

const wall = new RealClock();

async function virtualRun(bitrate: number) {
  const clock = new VirtualClock();
  const bus = new VirtualCanMedium(clock, { name: `v${bitrate}`, bitrate });
  const senders = [0, 1, 2, 3].map((k) => bus.attach(`s${k}`));
  const rx = bus.attach('rx');
  let received = 0;
  let bits = 0;
  rx.onFrame((f) => { received++; bits += frameBitCount(f); });
  const t0 = wall.now();
  const sends: Promise<void>[] = [];
  senders.forEach((s, k) => {
    for (let i = 0; i < frames; i++) {
      sends.push(s.send({ id: 0x0b000000 + (k << 8) + (i & 0xff), extended: true, data: [i & 0xff, (i >> 8) & 0xff, k, 0x55, 0xaa, 0, 1, 2] }));
    }
  });
  await clock.runUntilIdle();
  await Promise.all(sends);
  const simMs = wall.now() - t0;
  const sent = frames * senders.length;
  const busFps = received / (clock.now() / 1000);
  const capacity = bitrate / (bits / received);
  return {
    bitrate, sent, received, dropped: sent - received, virtualSeconds: clock.now() / 1000,
    busFramesPerS: Math.round(busFps), capacityFramesPerS: Math.round(capacity), ratio: busFps / capacity,
    worstCaseFramesPerS: Math.round(bitrate / worstCaseBits(true, 8)), meanBitsPerFrame: bits / received,
    simFramesPerS: Math.round(received / (simMs / 1000)), simMs: Math.round(simMs),
  };
}

async function slcanRun() {
  if (!findSocat()) return { skipped: 'socat is not installed' };
  const pty = await createPtyPair();
  const tx = await SlcanBus.open({ path: pty.a, bitrate: 1_000_000, role: 'host' }, wall);
  const rx = await SlcanBus.open({ path: pty.b, bitrate: 1_000_000, role: 'adapter' }, wall);
  try {
    let got = 0;
    const done = new Promise<void>((resolve) => rx.onFrame(() => { if (++got === slcanFrames) resolve(); }));
    const t0 = wall.now();
    for (let i = 0; i < slcanFrames; i++) await tx.send({ id: 0x0b03f001, extended: true, data: [0, 6, 0x1a, 0x80, 0, 0, 0x61, 0xa8] });
    await done;
    const ms = wall.now() - t0;
    // a T frame with 8 bytes is 27 characters: 1 + 8 + 1 + 16 + CR
    return { frames: slcanFrames, received: got, ms: Math.round(ms), framesPerS: Math.round(got / (ms / 1000)), bytesPerFrame: 27 };
  } finally {
    await tx.close();
    await rx.close();
    await pty.cleanup();
  }
}

const results = { virtual: [await virtualRun(500_000), await virtualRun(1_000_000)], slcan: await slcanRun() };
for (const v of results.virtual) {
  console.log(`virtual ${v.bitrate / 1000} kbit/s: ${v.received}/${v.sent} frames (dropped ${v.dropped}); bus ${v.busFramesPerS} frames/s vs capacity ${v.capacityFramesPerS} (ratio ${v.ratio.toFixed(4)}; worst case ${v.worstCaseFramesPerS}); mean ${v.meanBitsPerFrame.toFixed(1)} bits/frame; simulated at ${v.simFramesPerS} frames/s wall`);
}
console.log(`slcan over a pty: ${JSON.stringify(results.slcan)}`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2));
