/**
 * The emulated SDM630 on Modbus RTU over a socat pty pair at 115200 baud: a modbus-serial client
 * reads what the site model says; bad CRCs, garbage and other unit ids are handled like a real
 * slave on a bus; the real-meter adapter (src/adapters/modbus-master.ts) reads it over RTU.
 */
import ModbusSerial from 'modbus-serial';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../src/core/errors.js';
import { MemoryTrace, type TraceRecord } from '../../src/core/trace.js';
import { ModbusExceptionError, ModbusMeterMaster } from '../../src/adapters/modbus-master.js';
import { createMeter, type EmulatedMeter } from '../../emulators/meter/index.js';
import { RtuServer, startMeterRtuServer } from '../../emulators/meter/rtu-server.js';
import { buildAdu, fromHex, theoreticalRate, toHex } from '../../emulators/meter/rtu-frame.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { createPtyPair, findSocat, type PtyPair } from '../support/pty.js';

const BAUD = 115200;
const SOCAT = findSocat();
if (!SOCAT) {
  if (process.env.CI) throw new Error('socat is required for the RTU tests (.ci/run installs it)');
  console.log('meter-rtu: skipped, socat is not installed (apt-get install -y socat)');
}

interface Rig {
  pty: PtyPair;
  clock: RealClock;
  trace: MemoryTrace;
  site: SiteModel;
  meter: EmulatedMeter;
  server: RtuServer;
  close(): Promise<void>;
}

/** A site drawing 11 kW building load (3 x 230 V), its grid SDM630 at unit 1 on one end of a pty pair. */
async function startRig(): Promise<Rig> {
  const pty = await createPtyPair();
  const clock = new RealClock();
  const trace = new MemoryTrace(clock);
  const site = new SiteModel({ nominalVoltage: 230, phases: 3, baseKw: 11 }, clock);
  const meter = createMeter({ id: 'grid-meter', map: 'sdm630', unitId: 1 }, { site, clock, trace });
  let server: RtuServer;
  try {
    server = await startMeterRtuServer(meter.handler, { path: pty.a, baudRate: BAUD });
  } catch (err) {
    await pty.cleanup();
    throw err;
  }
  return {
    pty, clock, trace, site, meter, server,
    close: async () => {
      await server.close();
      await meter.close();
      await pty.cleanup();
    },
  };
}

function floats(regs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < regs.length; i += 2) {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(regs[i]!, 0);
    b.writeUInt16BE(regs[i + 1]!, 2);
    out.push(b.readFloatBE(0));
  }
  return out;
}

type DeviceRecord = Extract<TraceRecord, { kind: 'device' }>;
const events = (trace: MemoryTrace, event: string): DeviceRecord[] =>
  trace.records.filter((r): r is DeviceRecord => r.kind === 'device' && r.event === event);

/** A raw serial port on the master's end: write bytes, collect what comes back within `ms`. */
async function openRaw(path: string): Promise<{ port: SerialPort; exchange(bytes: Buffer, ms?: number): Promise<Buffer>; close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: BAUD, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  let rx: Buffer[] = [];
  port.on('data', (d: Buffer) => rx.push(d));
  return {
    port,
    exchange: async (bytes, ms = 150) => {
      rx = [];
      port.write(bytes);
      await new Promise((r) => setTimeout(r, ms));
      return Buffer.concat(rx);
    },
    close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
  };
}

describe.skipIf(!SOCAT)('emulated SDM630 over Modbus RTU (socat pty pair, 115200 8N1)', () => {
  describe('modbus-serial client', () => {
    let rig: Rig;
    let client: InstanceType<typeof ModbusSerial.default>;

    beforeAll(async () => {
      rig = await startRig();
      client = new ModbusSerial.default();
      await client.connectRTUBuffered(rig.pty.b, { baudRate: BAUD, parity: 'none', stopBits: 1, dataBits: 8 });
      client.setID(1);
      client.setTimeout(500);
    });

    afterAll(async () => {
      await new Promise<void>((r) => (client?.isOpen ? client.close(() => r()) : r()));
      await rig?.close();
    });

    it('reads per-phase voltage, current and power that decode to the site model', async () => {
      const res = await client.readInputRegisters(0x0000, 18);
      const [v1, v2, v3, i1, i2, i3, p1, p2, p3] = floats(res.data);
      expect([v1, v2, v3]).toEqual([230, 230, 230]);
      for (const i of [i1, i2, i3]) expect(i).toBeCloseTo(rig.site.phaseCurrentA('L1'), 3);
      for (const p of [p1, p2, p3]) expect(p).toBeCloseTo(11000 / 3, 1);
      expect(rig.site.phaseCurrentA('L1')).toBeCloseTo(11000 / 3 / 230, 6);
    });

    it('reads total power, frequency and the import energy counter', async () => {
      const [total] = floats((await client.readInputRegisters(0x0034, 2)).data);
      expect(total).toBeCloseTo(rig.site.importW(), 1);
      expect(total).toBeCloseTo(11000, 1);
      const [freq, importKwh, exportKwh] = floats((await client.readInputRegisters(0x0046, 6)).data);
      expect(freq).toBe(50);
      expect(importKwh).toBeGreaterThan(0);
      expect(importKwh! * 1000).toBeLessThanOrEqual(rig.site.importEnergyWh() + 1e-3);
      expect(exportKwh).toBe(0);
    });

    it('answers an unmapped register with exception 02', async () => {
      await expect(client.readInputRegisters(0x0020, 2)).rejects.toMatchObject({ modbusCode: 2 });
    });

    it('traces each transaction with link, unit, function, address, count and values', () => {
      const tx = events(rig.trace, 'modbus');
      expect(tx.length).toBeGreaterThanOrEqual(4);
      expect(tx[0]).toMatchObject({ device: 'grid-meter', data: { link: 'rtu', unit: 1, fc: 4, address: 0, count: 18 } });
      expect((tx[0]!.data as { values: number[] }).values).toHaveLength(18);
      expect(tx.some((r) => (r.data as { exception?: number }).exception === 2)).toBe(true);
      expect(events(rig.trace, 'modbus-link-open')[0]).toMatchObject({ data: { link: `rtu:${rig.pty.a}`, baudRate: BAUD } });
    });

    it(`sustains a 10-register read rate near the line rate (theory at ${BAUD}: ${theoreticalRate(BAUD, 8, 25).toFixed(0)}/s)`, async () => {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 1000) {
        const r = await client.readInputRegisters(0, 10);
        expect(r.data).toHaveLength(10);
        n++;
      }
      const rate = n / ((performance.now() - t0) / 1000);
      const theory = theoreticalRate(BAUD, 8, 25);
      console.log(`RTU ${BAUD} baud, 10-register reads: ${rate.toFixed(0)}/s measured over a pty (no baud pacing), theoretical line rate ${theory.toFixed(0)}/s (${(100 * rate / theory).toFixed(0)}%)`);
      expect(rate).toBeGreaterThan(20);
    });
  });

  describe('bad input on the line (raw bytes)', () => {
    let rig: Rig;
    let raw: Awaited<ReturnType<typeof openRaw>>;
    const READ_V1 = fromHex('01 04 00 00 00 02 71 CB');
    const ANSWER_V1 = '01 04 04 43 66 00 00 0E 1F'; // 230.0f, high word first

    beforeEach(async () => {
      rig = await startRig();
      raw = await openRaw(rig.pty.b);
    });

    afterEach(async () => {
      await raw?.close();
      await rig?.close();
    });

    it('answers a well-formed request with the exact ADU', async () => {
      expect(toHex(await raw.exchange(READ_V1))).toBe(ANSWER_V1);
    });

    it('gives no answer to a frame with a bad CRC, and traces it', async () => {
      expect((await raw.exchange(fromHex('01 04 00 00 00 02 71 CC'))).length).toBe(0);
      const [err] = events(rig.trace, 'modbus-crc-error');
      expect(err).toMatchObject({ device: 'grid-meter', data: { link: `rtu:${rig.pty.a}`, raw: '01 04 00 00 00 02 71 CC', expectedCrc: 0xcb71, receivedCrc: 0xcc71 } });
      expect(rig.server.stats.crcErrors).toBe(1);
      expect(events(rig.trace, 'modbus')).toHaveLength(0);
      // and the line still works
      expect(toHex(await raw.exchange(READ_V1))).toBe(ANSWER_V1);
    });

    it('resynchronises after garbage sent right before a valid request', async () => {
      expect(toHex(await raw.exchange(Buffer.concat([fromHex('FF 00 13 37 AA'), READ_V1])))).toBe(ANSWER_V1);
      expect(events(rig.trace, 'modbus-garbage')[0]).toMatchObject({ data: { raw: 'FF 00 13 37 AA', bytes: 5, reason: 'resync' } });
    });

    it('drops garbage followed by a silence, then answers the next request', async () => {
      expect((await raw.exchange(fromHex('DE AD BE EF 42 42 42'), 30)).length).toBe(0);
      expect(toHex(await raw.exchange(READ_V1))).toBe(ANSWER_V1);
      expect(rig.server.stats.crcErrors + rig.server.stats.garbageBytes).toBeGreaterThan(0);
    });

    it('ignores requests for another unit id and broadcasts', async () => {
      expect((await raw.exchange(fromHex('02 04 00 00 00 02 71 F8'))).length).toBe(0);
      expect((await raw.exchange(buildAdu(0, fromHex('04 00 00 00 02')))).length).toBe(0);
      expect(events(rig.trace, 'modbus-other-unit')[0]).toMatchObject({ data: { unit: 2, fc: 4 } });
      expect(rig.server.stats.otherUnit).toBe(1);
      expect(toHex(await raw.exchange(READ_V1))).toBe(ANSWER_V1);
    });

    it('answers an unsupported function with exception 01 and too many registers with 03', async () => {
      expect(toHex(await raw.exchange(buildAdu(1, fromHex('06 00 00 00 01'))))).toBe(toHex(buildAdu(1, fromHex('86 01'))));
      expect(toHex(await raw.exchange(buildAdu(1, fromHex('04 00 00 00 7E'))))).toBe(toHex(buildAdu(1, fromHex('84 03'))));
    });

    it('waits at least t3.5 (1.75 ms) before answering', async () => {
      const t0 = performance.now();
      let first = 0;
      raw.port.once('data', () => {
        first = performance.now();
      });
      await raw.exchange(READ_V1);
      expect(first - t0).toBeGreaterThanOrEqual(1.75);
    });
  });

  describe('serial device errors', () => {
    it('a missing device is CONNECT_FAILED naming the path', async () => {
      const err = await RtuServer.open({ path: '/dev/does-not-exist-cb', unitId: 1, handler: { handle: async () => null } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HarnessError);
      expect(err).toMatchObject({ code: ERROR_CODES.CONNECT_FAILED, details: { path: '/dev/does-not-exist-cb' } });
      expect((err as Error).message).toContain('/dev/does-not-exist-cb');
    });

    it('a busy (locked) device is CONNECT_FAILED naming the path', async () => {
      const rig = await startRig();
      try {
        const err = await RtuServer.open({ path: rig.pty.a, unitId: 2, handler: { handle: async () => null } }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: ERROR_CODES.CONNECT_FAILED });
        expect((err as Error).message).toContain(rig.pty.a);
      } finally {
        await rig.close();
      }
    });
  });

  describe('real-meter adapter (Modbus master) over RTU', () => {
    let rig: Rig;
    let master: ModbusMeterMaster;

    beforeAll(async () => {
      rig = await startRig();
      master = await ModbusMeterMaster.connect({
        link: { kind: 'rtu', path: rig.pty.b, baudRate: BAUD }, unitId: 1, map: 'sdm630', device: 'bench-meter', timeoutMs: 300, trace: rig.trace,
      });
    });

    afterAll(async () => {
      await master?.close();
      await rig?.close();
    });

    it('plans contiguous reads from the map and decodes the site model', async () => {
      expect(master.blocks.map((b) => [b.address, b.count])).toEqual([[0, 18], [0x34, 2], [0x46, 6]]);
      await master.poll();
      for (const p of ['L1', 'L2', 'L3'] as const) {
        expect(master.voltage(p)).toBe(230);
        expect(master.current(p)).toBeCloseTo(11000 / 3 / 230, 3);
        expect(master.power(p)).toBeCloseTo(11000 / 3, 1);
      }
      expect(master.powerTotal()).toBeCloseTo(11000, 1);
      expect(master.frequency()).toBe(50);
      expect(master.energyImportWh()).toBeGreaterThan(0);
      expect(master.energyExportWh()).toBe(0);
    });

    it('follows the site model when the load changes, and energy keeps counting', async () => {
      const before = master.energyImportWh();
      rig.site.addEvse('cp-1', ['L1'], () => ({ powerW: 7400 }));
      await rig.clock.sleep(20);
      await master.poll();
      expect(master.power('L1')).toBeCloseTo(11000 / 3 + 7400, 1);
      expect(master.power('L2')).toBeCloseTo(11000 / 3, 1);
      expect(master.powerTotal()).toBeCloseTo(18400, 1);
      expect(master.energyImportWh()).toBeGreaterThan(before);
      expect(master.snapshot()?.values['power.total']).toBe(master.powerTotal());
    });

    it('traces its own transactions as the master', () => {
      const mine = events(rig.trace, 'modbus').filter((r) => r.device === 'bench-meter');
      expect(mine[0]).toMatchObject({ data: { link: `rtu:${rig.pty.b}`, unit: 1, fc: 4, address: 0, count: 18, dir: 'master' } });
      expect(typeof (mine[0]!.data as { latencyMs: unknown }).latencyMs).toBe('number');
    });

    it('an exception names the device, link, unit and registers', async () => {
      const err = await master.readRegisters(0x20, 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusExceptionError);
      expect((err as ModbusExceptionError).exceptionCode).toBe(2);
      expect((err as Error).message).toBe(`read of 2 input register(s) at 32 from unit 1 on rtu:${rig.pty.b} (meter bench-meter): exception 02 (illegal data address)`);
    });

    it('a second master on the same (locked) device is CONNECT_FAILED naming the path', async () => {
      const other = await ModbusMeterMaster.connect({ link: { kind: 'rtu', path: rig.pty.b, baudRate: BAUD }, unitId: 7, map: 'sdm630', device: 'absent', timeoutMs: 100 })
        .catch((e: unknown) => e);
      expect(other).toMatchObject({ code: ERROR_CODES.CONNECT_FAILED });
      expect((other as Error).message).toContain(rig.pty.b);
    });
  });

  describe('real-meter adapter timeouts', () => {
    it('a unit that never answers is CALL_TIMEOUT naming device, link and unit', async () => {
      const rig = await startRig();
      const master = await ModbusMeterMaster.connect({ link: { kind: 'rtu', path: rig.pty.b, baudRate: BAUD }, unitId: 7, map: 'sdm630', device: 'absent', timeoutMs: 100 });
      try {
        const err = await master.poll().catch((e: unknown) => e);
        expect(err).toMatchObject({ code: ERROR_CODES.CALL_TIMEOUT, details: { device: 'absent', link: `rtu:${rig.pty.b}`, unit: 7 } });
        expect((err as Error).message).toMatch(/unit 7 on rtu:.* \(meter absent\): no answer within 100 ms/);
        expect(() => master.voltage('L1')).toThrow(/not polled yet/);
      } finally {
        await master.close();
        await rig.close();
      }
    });
  });
});
