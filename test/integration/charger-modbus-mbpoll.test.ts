/**
 * Independent master: Debian's mbpoll (libmodbus) writes a 10 A setpoint into a virtual three-phase
 * charger's Modbus interface, over Modbus TCP (Alfen NG9xx map, float32 at 1210) and over RTU through
 * a socat pty pair (generic map, float32 at 10). The station (real sessions, real OCPP to the built-in
 * CSMS) must then deliver ~6.9 kW (10 A x 3 x 230 V), as its own power register and the SDM630 grid
 * meter (also read by mbpoll) both say, within its ramp; and fall back to the safe current (6 A:
 * 4.14 kW) once the setpoint's validity (4 s here, real time) has run out. The bench adapter
 * (ChargerModbusMaster) drives the same server by address.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RigSchema } from '../../src/plan/rig-schema.js';
import { startRig, waitConnected, type RigRuntime } from '../../src/runner/rig-runtime.js';
import { ChargerModbusMaster } from '../../src/adapters/charger-modbus.js';
import { createPtyPair, findExecutable, findSocat, type PtyPair } from '../support/pty.js';

const MBPOLL = findExecutable('mbpoll');
const SOCAT = findSocat();
const RAMP_MS = 1000;
const VALIDITY_S = 4;

if (!MBPOLL) {
  if (process.env.CI) {
    describe('mbpoll', () => { it('is installed (CI installs it: apt-get install -y mbpoll)', () => { throw new Error('mbpoll not found on PATH'); }); });
  } else {
    console.log('charger-modbus-mbpoll: skipped, mbpoll is not installed (apt-get install -y mbpoll)');
  }
}
if (MBPOLL && !SOCAT) console.log('charger-modbus-mbpoll: RTU part skipped, socat is not installed (apt-get install -y socat)');

function mbpoll(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; out: string; values: Map<number, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(MBPOLL!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const values = new Map<number, number>();
      for (const m of out.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), Number(m[2]));
      resolve({ code, out, values });
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const station = (identity: string, modbus: Record<string, unknown>) => ({
  identity, ocppVersion: '1.6', electrical: { kind: 'AC', phases: 3, maxCurrentA: 32, voltage: 230 }, rampMs: RAMP_MS, meterSampleIntervalS: 0, modbus,
});

describe.skipIf(!MBPOLL)('mbpoll drives a virtual charger\'s Modbus interface', () => {
  let rt: RigRuntime;
  let pty: PtyPair | undefined;
  let tcpPort = 0;
  let gridPort = 0;

  beforeAll(async () => {
    if (SOCAT) pty = await createPtyPair();
    const rig = RigSchema.parse({
      name: 'mbpoll', clock: 'real', trace: { enabled: false },
      csms: { host: '127.0.0.1', port: 0, authorization: { acceptUnknown: true } },
      meters: [{ id: 'grid', map: 'sdm630', unitId: 1, bind: 'grid', tcp: { host: '127.0.0.1', port: 0 } }],
      evses: [
        station('ALFEN-1', { map: 'alfen-ng9xx', safeCurrentA: 6, validityS: VALIDITY_S, tcp: { host: '127.0.0.1', port: 0 } }),
        ...(pty ? [station('GEN-RTU', { map: 'generic', safeCurrentA: 6, validityS: VALIDITY_S, rtu: { path: pty.a, baudRate: 115200 } })] : []),
      ],
    });
    rt = await startRig(rig, { clock: 'real', runId: 'mbpoll', autoStart: true });
    await waitConnected(rt, 10_000);
    tcpPort = rt.modbus!.servers.find((x) => x.station === 'ALFEN-1')!.endpoints.tcp!.port;
    const ends = rt.meters[0]!.endpoints[0]!;
    gridPort = Number(ends.slice(ends.lastIndexOf(':') + 1));
  }, 30_000);

  afterAll(async () => {
    await rt?.close();
    await pty?.cleanup();
  });

  const startSession = (identity: string): void => {
    const s = rt.stations.find((x) => x.identity === identity)!;
    s.plug(1);
    s.sessions.begin(1, 'TAG-1', 'Local');
    s.requestEnergy(1);
  };
  const gridW = async (): Promise<number> => {
    const r = await mbpoll(['-m', 'tcp', '-p', String(gridPort), '-a', '1', '-t', '3:float', '-B', '-0', '-r', '52', '-c', '1', '-1', '127.0.0.1']);
    expect(r.code, r.out).toBe(0);
    return r.values.get(52)!;
  };

  describe('over Modbus TCP (Alfen NG9xx map, unit 1)', () => {
    // mbpoll [options] host [values to write]
    const tcp = (extra: string[], write: string[] = []) => ['-m', 'tcp', '-p', String(tcpPort), '-a', '1', '-B', '-0', ...extra, '127.0.0.1', ...write];
    const chargerW = async (): Promise<number> => {
      const r = await mbpoll(tcp(['-t', '4:float', '-r', '344', '-c', '1', '-1']));
      expect(r.code, r.out).toBe(0);
      return r.values.get(344)!;
    };

    it('runs at the safe current before any setpoint (Alfen after a reboot), 10 A written by mbpoll gives ~6.9 kW at the charger and on the grid meter within the ramp, then the safe current after the validity time', async () => {
      startSession('ALFEN-1');
      await pause(RAMP_MS + 500);
      expect(await chargerW()).toBeCloseTo(4140, -1);
      const w = await mbpoll(tcp(['-t', '4:float', '-r', '1210'], ['10']));
      expect(w.code, w.out).toBe(0);
      expect(w.out).toMatch(/Written 1 references/);
      const written = Date.now();
      await pause(RAMP_MS + 300);
      expect(await chargerW()).toBeCloseTo(6900, -1);
      expect(await gridW()).toBeCloseTo(6900, -1);
      const validity = await mbpoll(tcp(['-t', '4:int', '-r', '1208', '-c', '1', '-1']));
      expect(validity.values.get(1208)).toBeGreaterThanOrEqual(VALIDITY_S - 2);
      expect(validity.values.get(1208)).toBeLessThanOrEqual(VALIDITY_S);
      await pause(Math.max(0, written + VALIDITY_S * 1000 + RAMP_MS + 500 - Date.now()));
      expect(await chargerW()).toBeCloseTo(4140, -1);
      expect(await gridW()).toBeCloseTo(4140, -1);
      const active = await mbpoll(tcp(['-t', '4', '-r', '1214', '-c', '1', '-1']));
      expect(active.values.get(1214)).toBe(0);
    }, 30_000);

    it('a partial write of the two-register setpoint is refused with exception 03, as the Alfen document says', async () => {
      const r = await mbpoll(tcp(['-t', '4', '-r', '1210'], ['16672']));
      expect(r.out).toMatch(/Illegal data value/i);
    });

    it('the bench adapter writes and reads the same server by address', async () => {
      const master = await ChargerModbusMaster.connect({ link: { kind: 'tcp', host: '127.0.0.1', port: tcpPort }, map: 'alfen-ng9xx', device: 'bench', timeoutMs: 1000 });
      try {
        await master.write('setpoint', 12);
        await pause(RAMP_MS + 300);
        expect((await master.read('setpoint')).value).toBe(12);
        expect(Number((await master.read('real power sum')).value)).toBeCloseTo(12 * 690, -1);
        expect((await master.read('mode3 state')).state).toBe('C2');
        expect((await master.read('platform type')).value).toBe('NG910');
        expect(await master.quantity('power.total')).toBeCloseTo(12 * 690, -1);
        const err = await master.write('safe current', 10).catch((e: unknown) => e);
        expect((err as Error).message).toMatch(/register "safe current" of Alfen NG9xx is read-only/);
      } finally {
        await master.close();
      }
    });
  });

  describe.skipIf(!SOCAT)('over Modbus RTU (generic map, socat pty, 115200 8N1)', () => {
    const rtu = (extra: string[], write: string[] = []) => ['-m', 'rtu', '-b', '115200', '-P', 'none', '-s', '1', '-a', '1', '-B', '-0', ...extra, pty!.b, ...write];

    it('10 A written by mbpoll gives ~6.9 kW within the ramp, then the safe current after the validity time', async () => {
      startSession('GEN-RTU');
      await pause(RAMP_MS + 500);
      const before = await mbpoll(rtu(['-t', '4:float', '-r', '112', '-c', '1', '-1']));
      expect(before.code, before.out).toBe(0);
      expect(before.values.get(112)).toBeCloseTo(22080, -1);
      const w = await mbpoll(rtu(['-t', '4:float', '-r', '10'], ['10']));
      expect(w.code, w.out).toBe(0);
      const written = Date.now();
      await pause(RAMP_MS + 300);
      const after = await mbpoll(rtu(['-t', '4:float', '-r', '112', '-c', '1', '-1']));
      expect(after.values.get(112)).toBeCloseTo(6900, -1);
      const state = await mbpoll(rtu(['-t', '4', '-r', '0', '-c', '1', '-1']));
      expect(state.values.get(0)).toBe(4);
      await pause(Math.max(0, written + VALIDITY_S * 1000 + RAMP_MS + 500 - Date.now()));
      const fallback = await mbpoll(rtu(['-t', '4:float', '-r', '112', '-c', '1', '-1']));
      expect(fallback.values.get(112)).toBeCloseTo(4140, -1);
    }, 30_000);
  });
});
