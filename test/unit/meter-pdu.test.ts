import { describe, expect, it } from 'vitest';
import { MemoryTrace } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { createMeter, decodeValue, bufferToRegisters, type MeterConfigInput } from '../../emulators/meter/index.js';
import type { ModbusTransaction } from '../../emulators/meter/pdu.js';

function rig(meter: Partial<MeterConfigInput> = {}, baseKw = 11) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const site = new SiteModel({ baseKw }, clock);
  const m = createMeter({ id: 'grid', ...meter }, { site, clock, trace });
  const txs = (): ModbusTransaction[] => trace.records.filter((r) => r.kind === 'device' && r.event === 'modbus').map((r) => (r as { data: ModbusTransaction }).data);
  return { clock, trace, site, ...m, txs };
}

const req = (fc: number, address: number, count: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = fc;
  b.writeUInt16BE(address, 1);
  b.writeUInt16BE(count, 3);
  return b;
};

/** Registers of a normal read response, or the exception as { exception }. */
function parse(res: Buffer | null): number[] | { exception: number; fc: number } | null {
  if (!res) return null;
  if ((res[0] as number) & 0x80) return { fc: res[0] as number, exception: res[1] as number };
  expect(res[1]).toBe(res.length - 2);
  return bufferToRegisters(res.subarray(2));
}

const float = (regs: unknown, i = 0): number => decodeValue('float32', (regs as number[]).slice(i, i + 2)) as number;

describe('SDM630 over the PDU handler (grid meter, 11 kW building load)', () => {
  it('per-phase voltage, current, power and total power match the site model', async () => {
    const { handler } = rig();
    const regs = parse(await handler.handle(1, req(4, 0x0000, 18)));
    expect(float(regs, 0)).toBe(230);
    expect(float(regs, 2)).toBe(230);
    expect(float(regs, 4)).toBe(230);
    for (const i of [6, 8, 10]) expect(float(regs, i)).toBeCloseTo(11000 / 3 / 230, 4);
    expect(float(regs, 6)).toBeCloseTo(15.94, 2);
    for (const i of [12, 14, 16]) expect(float(regs, i)).toBeCloseTo(11000 / 3, 1);
    expect(float(parse(await handler.handle(1, req(4, 0x0034, 2))))).toBe(11000);
    expect(float(parse(await handler.handle(1, req(4, 0x0046, 2))))).toBe(50);
  });

  it('230.0 V is 0x4366 0x0000 on the wire', async () => {
    const { handler } = rig();
    expect((await handler.handle(1, req(4, 0, 2)))?.toString('hex')).toBe('04044366' + '0000');
  });

  it('import energy is the integral of power on the clock (kWh)', async () => {
    const { handler, clock } = rig();
    expect(float(parse(await handler.handle(1, req(4, 0x0048, 4))))).toBe(0);
    await clock.runFor(3_600_000);
    const regs = parse(await handler.handle(1, req(4, 0x0048, 4)));
    expect(float(regs, 0)).toBeCloseTo(11, 5);
    expect(float(regs, 2)).toBe(0);
  });

  it('follows the site: an EVSE starting to draw shows up in total power and on its phase', async () => {
    const { handler, site } = rig();
    let w = 0;
    site.addEvse('CP1', ['L2'], () => ({ powerW: w }));
    w = 7360;
    site.settle();
    expect(float(parse(await handler.handle(1, req(4, 0x0034, 2))))).toBe(18360);
    expect(float(parse(await handler.handle(1, req(4, 0x000e, 2))))).toBeCloseTo(11000 / 3 + 7360, 1);
    site.tripPhase('L2');
    expect(float(parse(await handler.handle(1, req(4, 0x0002, 2))))).toBe(0);
  });

  const exceptions: Array<[string, Buffer, number]> = [
    ['01 unsupported function (06 write single register)', req(6, 0, 1), 1],
    ['01 unsupported function (16)', Buffer.from([16, 0, 0, 0, 1, 2, 0, 0]), 1],
    ['03 count 0', req(4, 0, 0), 3],
    ['03 count above 125', req(4, 0, 126), 3],
    ['03 count above the map\'s maxRead (80)', req(4, 0, 82), 3],
    ['03 truncated request', Buffer.from([4, 0, 0]), 3],
    ['02 unmapped register', req(4, 0x0012, 2), 2],
    ['02 starts inside a float', req(4, 0x0001, 2), 2],
    ['02 ends inside a float', req(4, 0x0000, 3), 2],
    ['02 range runs into a gap', req(4, 0x0010, 4), 2],
    ['02 holding registers on an input-register meter', req(3, 0x0000, 2), 2],
    ['02 past register 65535', req(4, 0xffff, 2), 2],
  ];
  for (const [name, pdu, code] of exceptions) {
    it(`exception ${name}`, async () => {
      const { handler, txs } = rig();
      const res = await handler.handle(1, pdu);
      expect(parse(res)).toEqual({ fc: ((pdu[0] as number) | 0x80), exception: code });
      expect(txs()).toHaveLength(1);
      expect(txs()[0]).toMatchObject({ link: 'tcp', unit: 1, fc: pdu[0], exception: code });
      expect(txs()[0]?.reason).toBeTruthy();
    });
  }

  it('answers only its unit id; broadcast 0 gets no answer', async () => {
    const { handler, txs } = rig({ unitId: 7 });
    expect(await handler.handle(1, req(4, 0, 2))).toBeNull();
    expect(await handler.handle(0, req(4, 0, 2))).toBeNull();
    expect(parse(await handler.handle(7, req(4, 0, 2)))).toHaveLength(2);
    expect(txs().map((t) => t.dropped)).toEqual(['unit', 'broadcast', undefined]);
  });

  it('traces every transaction with link, unit, fc, address, count, values, points and latency', async () => {
    const { handler, txs } = rig();
    await handler.handle(1, req(4, 0x0034, 2), 'rtu');
    expect(txs()).toEqual([{
      link: 'rtu', unit: 1, fc: 4, address: 0x34, count: 2, values: [0x462b, 0xe000],
      points: { 'Total system power': 11000 }, latencyMs: 0,
    }]);
  });
});

describe('SunSpec 203 over the PDU handler', () => {
  it('walks the models: SunS, common model, meter model with scale factors, end model', async () => {
    const { handler, clock } = rig({ map: 'sunspec-203', unitId: 3 });
    const head = parse(await handler.handle(3, req(3, 40000, 4))) as number[];
    expect(head).toEqual([0x5375, 0x6e53, 1, 65]);
    const common = parse(await handler.handle(3, req(3, 40004, 65))) as number[];
    expect(decodeValue('string', common.slice(0, 16))).toBe('chargebench');
    expect(common[64]).toBe(3); // DA = unit id
    const m = parse(await handler.handle(3, req(3, 40069, 107))) as number[];
    expect(m.slice(0, 2)).toEqual([203, 105]);
    const body = m.slice(2);
    const sf = (i: number) => decodeValue('int16', [body[i] as number]) as number;
    const val = (i: number, sfi: number) => (decodeValue('int16', [body[i] as number]) as number) * 10 ** sf(sfi);
    expect(val(1, 4)).toBeCloseTo(15.94, 2); // AphA, A_SF
    expect(val(0, 4)).toBeCloseTo(47.83, 2); // A total
    expect(val(5, 13)).toBeCloseTo(230, 5); // PhV, V_SF
    expect(val(9, 13)).toBeCloseTo(398.4, 1); // PPV (line to line)
    expect(val(14, 15)).toBeCloseTo(50, 5); // Hz, Hz_SF
    expect(val(16, 20)).toBe(11000); // W, W_SF = 1
    expect(body[21]).toBe(0x8000); // VA not implemented
    expect(decodeValue('int16', [body[52] as number])).toBe(0); // TotWh_SF
    expect(parse(await handler.handle(3, req(3, 40176, 2)))).toEqual([0xffff, 0]);
    await clock.runFor(1_800_000);
    const e = parse(await handler.handle(3, req(3, 40115, 2))) as number[];
    expect(decodeValue('acc32', e)).toBe(5500); // Wh
  });

  it('FC 04 on a holding-register meter is 02; past the end model is 02', async () => {
    const { handler } = rig({ map: 'sunspec-203' });
    expect(parse(await handler.handle(1, req(4, 40000, 2)))).toEqual({ fc: 0x84, exception: 2 });
    expect(parse(await handler.handle(1, req(3, 40176, 3)))).toEqual({ fc: 0x83, exception: 2 });
  });
});

describe('sub-meter on one EVSE', () => {
  it('shows the EVSE\'s draw on its phases, and integrates it', async () => {
    const clock = new VirtualClock();
    const trace = new MemoryTrace(clock);
    const site = new SiteModel({ baseKw: 5 }, clock);
    site.addEvse('CP1', ['L1'], () => ({ powerW: 7360 }));
    const { handler } = createMeter({ id: 'sub', bind: { evse: 'CP1', phases: ['L1'] }, unitId: 2 }, { site, clock, trace });
    const regs = parse(await handler.handle(2, req(4, 0, 18)));
    expect([float(regs, 0), float(regs, 2), float(regs, 4)]).toEqual([230, 0, 0]);
    expect([float(regs, 6), float(regs, 8), float(regs, 10)]).toEqual([32, 0, 0]);
    expect([float(regs, 12), float(regs, 14), float(regs, 16)]).toEqual([7360, 0, 0]);
    expect(float(parse(await handler.handle(2, req(4, 0x34, 2))))).toBe(7360);
    await clock.runFor(1_800_000);
    expect(float(parse(await handler.handle(2, req(4, 0x48, 2))))).toBeCloseTo(3.68, 5);
  });

  it('takes the EVSE\'s phases from the rig when the config has none; an unwired EVSE reads 0', async () => {
    const clock = new VirtualClock();
    const trace = new MemoryTrace(clock);
    const site = new SiteModel({}, clock);
    const { meter } = createMeter({ id: 'sub', bind: { evse: 'CP9' } }, { site, clock, trace, evsePhases: () => ['L3'] });
    expect(meter.quantity('power.total')).toBe(0);
    site.addEvse('CP9', ['L3'], () => ({ powerW: 2300 }));
    expect(meter.quantity('power.L3')).toBe(2300);
    expect(meter.quantity('current.L3')).toBe(10);
    expect(meter.quantity('voltage.L1')).toBe(0);
  });
});

describe('grid meter with export', () => {
  it('export counts negative import; import = site net energy + export', async () => {
    const clock = new VirtualClock();
    const trace = new MemoryTrace(clock);
    const site = new SiteModel({ baseKw: 2 }, clock);
    let w = 0;
    site.addEvse('V2G', ['L1', 'L2', 'L3'], () => ({ powerW: w }));
    const { meter } = createMeter({ id: 'grid' }, { site, clock, trace });
    await clock.runFor(3_600_000);
    expect(meter.quantity('energy.import')).toBeCloseTo(2000, 6);
    w = -6000;
    site.settle();
    meter.quantity('energy.export');
    await clock.runFor(3_600_000);
    expect(meter.quantity('power.total')).toBeCloseTo(-4000, 6);
    expect(meter.quantity('energy.export')).toBeCloseTo(4000, 6);
    expect(meter.quantity('energy.import')).toBeCloseTo(2000, 6);
  });
});
