/**
 * The independent peer: Debian's mbpoll (a libmodbus master) reads the emulated SDM630 over Modbus
 * TCP and over RTU through a socat pty pair, and the decoded floats must match the site model. The
 * real-meter adapter reads the same meter over TCP too.
 *
 * mbpoll flags: -t 3:float input registers as float32, -B big-endian word order (the SDM630's),
 * -0 0-based (protocol) addresses with -r the start address, -c the number of floats, -1 one poll.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { ModbusMeterMaster } from '../../src/adapters/modbus-master.js';
import { createMeter, type EmulatedMeter } from '../../emulators/meter/index.js';
import { startMeterRtuServer, type RtuServer } from '../../emulators/meter/rtu-server.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { createPtyPair, findExecutable, findSocat, type PtyPair } from '../support/pty.js';

const MBPOLL = findExecutable('mbpoll');
const SOCAT = findSocat();
const BASE_KW = 11;
const EVSE_W = 7400;

if (!MBPOLL) {
  if (process.env.CI) {
    describe('mbpoll', () => {
      it('is installed (CI installs it: apt-get install -y mbpoll)', () => {
        throw new Error('mbpoll not found on PATH; .ci/run must install the Debian package mbpoll');
      });
    });
  } else {
    console.log('meter-mbpoll: skipped, mbpoll is not installed (apt-get install -y mbpoll)');
  }
}

interface MbpollResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Values by reference address, as mbpoll prints them ("[0]: \t230"). */
  values: Map<number, number>;
}

/** Run mbpoll asynchronously (the emulator answers from this process's event loop). */
function mbpoll(args: string[], timeoutMs = 10_000): Promise<MbpollResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(MBPOLL!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const values = new Map<number, number>();
      for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), Number(m[2]));
      resolve({ code, stdout, stderr, values });
    });
  });
}

const floatArgs = (start: number, count: number): string[] => ['-a', '1', '-t', '3:float', '-B', '-0', '-r', String(start), '-c', String(count), '-1', '-o', '2'];

/** Per-phase expectations for a 3 x 230 V site: 11 kW building load spread evenly, a 7.4 kW EVSE on L1. */
function expectSdm630(values: Map<number, number>, site: SiteModel): void {
  const phases = ['L1', 'L2', 'L3'] as const;
  phases.forEach((p, k) => {
    expect(values.get(2 * k), `voltage ${p}`).toBe(230);
    expect(values.get(6 + 2 * k), `current ${p}`).toBeCloseTo(site.phaseCurrentA(p), 2);
    expect(values.get(12 + 2 * k), `power ${p}`).toBeCloseTo(site.phasePowerW(p), 0);
  });
  expect(values.get(12)).toBeCloseTo(BASE_KW * 1000 / 3 + EVSE_W, 0);
}

describe.skipIf(!MBPOLL)('mbpoll reads the emulated SDM630', () => {
  let clock: RealClock;
  let trace: MemoryTrace;
  let site: SiteModel;
  let meter: EmulatedMeter;
  let tcp: { host: string; port: number };

  beforeAll(async () => {
    clock = new RealClock();
    trace = new MemoryTrace(clock);
    site = new SiteModel({ nominalVoltage: 230, phases: 3, baseKw: BASE_KW }, clock);
    site.addEvse('cp-1', ['L1'], () => ({ powerW: EVSE_W }));
    meter = createMeter({ id: 'grid-meter', map: 'sdm630', unitId: 1, tcp: { host: '127.0.0.1', port: 0 } }, { site, clock, trace });
    const started = await meter.start();
    tcp = started.tcp!;
  });

  afterAll(async () => {
    await meter?.close();
  });

  describe('over Modbus TCP', () => {
    it('voltages, currents and powers per phase (9 floats from 0x0000)', async () => {
      const r = await mbpoll(['-m', 'tcp', '-p', String(tcp.port), ...floatArgs(0, 9), tcp.host]);
      expect(r.code, r.stderr || r.stdout).toBe(0);
      expect(r.stdout).toContain('32-bit float (big endian), input register table');
      expectSdm630(r.values, site);
    });

    it('total system power (0x0034) and frequency (0x0046)', async () => {
      const total = await mbpoll(['-m', 'tcp', '-p', String(tcp.port), ...floatArgs(0x34, 1), tcp.host]);
      expect(total.code, total.stderr).toBe(0);
      expect(total.values.get(0x34)).toBeCloseTo(site.importW(), 0);
      expect(total.values.get(0x34)).toBeCloseTo(BASE_KW * 1000 + EVSE_W, 0);
      const freq = await mbpoll(['-m', 'tcp', '-p', String(tcp.port), ...floatArgs(0x46, 1), tcp.host]);
      expect(freq.values.get(0x46)).toBe(50);
    });

    it('an unmapped register is an exception mbpoll reports', async () => {
      const r = await mbpoll(['-m', 'tcp', '-p', String(tcp.port), ...floatArgs(0x20, 1), tcp.host]);
      expect(`${r.stdout}${r.stderr}`).toMatch(/Illegal data address/i);
    });

    it('the real-meter adapter reads the same values over TCP', async () => {
      const master = await ModbusMeterMaster.connect({ link: { kind: 'tcp', host: tcp.host, port: tcp.port }, unitId: 1, map: 'sdm630', device: 'bench-meter', timeoutMs: 500, trace });
      try {
        await master.poll();
        expect(master.voltage('L2')).toBe(230);
        expect(master.power('L1')).toBeCloseTo(site.phasePowerW('L1'), 0);
        expect(master.powerTotal()).toBeCloseTo(BASE_KW * 1000 + EVSE_W, 0);
        expect(master.current('L3')).toBeCloseTo(site.phaseCurrentA('L3'), 3);
        expect(master.frequency()).toBe(50);
        const err = await master.readRegisters(0x20, 2).catch((e: unknown) => e);
        expect((err as Error).message).toBe(`read of 2 input register(s) at 32 from unit 1 on tcp:${tcp.host}:${tcp.port} (meter bench-meter): exception 02 (illegal data address)`);
      } finally {
        await master.close();
      }
    });

    it('the trace holds mbpoll\'s transactions', () => {
      const tx = trace.records.filter((r) => r.kind === 'device' && r.device === 'grid-meter' && r.event === 'modbus');
      expect(tx[0]).toMatchObject({ data: { link: 'tcp', unit: 1, fc: 4, address: 0, count: 18 } });
    });
  });

  describe.skipIf(!SOCAT)('over Modbus RTU (socat pty pair, 115200 8N1)', () => {
    let pty: PtyPair;
    let rtu: RtuServer;

    beforeAll(async () => {
      pty = await createPtyPair();
      rtu = await startMeterRtuServer(meter.handler, { path: pty.a, baudRate: 115200 });
    });

    afterAll(async () => {
      await rtu?.close();
      await pty?.cleanup();
    });

    const rtuArgs = (start: number, count: number): string[] => ['-m', 'rtu', '-b', '115200', '-P', 'none', '-s', '1', ...floatArgs(start, count), pty.b];

    it('voltages, currents and powers per phase (9 floats from 0x0000)', async () => {
      const r = await mbpoll(rtuArgs(0, 9));
      expect(r.code, r.stderr || r.stdout).toBe(0);
      expect(r.stdout).toContain('Modbus RTU');
      expectSdm630(r.values, site);
    });

    it('total system power and the import energy counter (kWh)', async () => {
      const total = await mbpoll(rtuArgs(0x34, 1));
      expect(total.values.get(0x34)).toBeCloseTo(BASE_KW * 1000 + EVSE_W, 0);
      const energy = await mbpoll(rtuArgs(0x48, 2));
      expect(energy.code, energy.stderr).toBe(0);
      const kwh = energy.values.get(0x48)!;
      expect(kwh).toBeGreaterThan(0);
      expect(kwh * 1000).toBeLessThanOrEqual(site.importEnergyWh() + 1e-3);
      expect(energy.values.get(0x4a)).toBe(0);
    });

    it('an unknown unit id gets no answer (mbpoll times out)', async () => {
      const r = await mbpoll(['-m', 'rtu', '-b', '115200', '-P', 'none', '-a', '9', '-t', '3:float', '-B', '-0', '-r', '0', '-c', '1', '-1', '-o', '0.2', pty.b]);
      expect(r.values.size).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(/timed out|Connection timed out/i);
      expect(rtu.stats.otherUnit).toBeGreaterThanOrEqual(1);
    });
  });
});
