/** Charger register maps: every built-in map validates, bad maps are named, and the codec follows each document. */
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_CHARGER_MAPS, buildChargerMap, loadChargerMap } from '../../emulators/charger-modbus/map.js';
import { decodeValue, encodeValue } from '../../emulators/meter/registers.js';
import { chargerRig } from '../support/charger-modbus-fixture.js';

describe('charger maps', () => {
  it.each(BUILTIN_CHARGER_MAPS)('%s loads, with a source for every register', (name) => {
    const map = loadChargerMap(name);
    expect(map.entries.length).toBeGreaterThan(5);
    for (const e of map.entries) expect(e.ref.length).toBeGreaterThan(3);
    expect(map.entries.some((e) => e.writes === 'setpoint.current')).toBe(true);
  });

  it('Alfen: setpoint F32 at 1210 on sockets 1/2, station registers on unit 200, 60 s validity, safe-current startup', () => {
    const m = loadChargerMap('alfen-ng9xx');
    expect(m.units).toEqual({ station: 200, connectors: [1, 2] });
    expect(m.byName.get('setpoint')).toMatchObject({ address: 1210, type: 'float32', writable: true });
    expect(m.byName.get('modbus max current remaining validity')).toMatchObject({ address: 1208, type: 'uint32' });
    expect(m.byName.get('safe current')).toMatchObject({ address: 1212 });
    expect(m.byName.get('phases')).toMatchObject({ address: 1215, writable: true });
    expect(m.byName.get('platform type')).toMatchObject({ scope: 'station', address: 140 });
    expect(m.watchdog).toEqual({ refreshedBy: 'setpoint', onExpiry: 'safe-current', validityS: 60 });
    expect(m.startup).toBe('safe-current');
  });

  it('a bad map is an error naming the file, the register and the field', () => {
    const bad = { name: 'x', source: 'y', units: { connectors: [1] }, registers: [
      { name: 'setpoint', address: 10, type: 'float32', access: 'read-write', source: 'setpoint.current', ref: 'doc' },
      { name: 'volts', address: 11, type: 'uint16', unit: 'A', source: 'voltage.L1', ref: 'doc' },
    ] };
    expect(() => buildChargerMap(bad, 'maps/bad.yaml')).toThrow(/maps\/bad\.yaml: registers\[0\] \(setpoint\)\.writes: a writable register needs writes/);
    expect(() => buildChargerMap(bad, 'maps/bad.yaml')).toThrow(/registers\[1\] \(volts\)\.unit: voltage\.L1 is in V, not A/);
    expect(() => buildChargerMap(bad, 'maps/bad.yaml')).toThrow(/registers\[1\] \(volts\)\.address: overlaps "setpoint" at 10/);
    expect(() => loadChargerMap('no-such-map')).toThrow(/charger map no-such-map: cannot read .*built-in maps: alfen-ng9xx/);
  });

  it('float64 (Alfen energies) round-trips in both word orders', () => {
    for (const order of ['big', 'little'] as const) {
      const regs = encodeValue('float64', 123456.789, { wordOrder: order });
      expect(regs).toHaveLength(4);
      expect(decodeValue('float64', regs, { wordOrder: order })).toBe(123456.789);
    }
  });
});

describe('charger PDUs per map', () => {
  let rig: ReturnType<typeof chargerRig> | undefined;
  afterEach(async () => { await rig?.close(); });

  it('Alfen: partial write of the F32 setpoint is exception 03, FC04 is 01, station unit 200 answers the platform, unit 7 gets no answer', () => {
    rig = chargerRig({ map: 'alfen-ng9xx' });
    expect(rig.unit).toBe(1);
    expect([...rig.pdu([6, 0x04, 0xba, 0x41, 0x20]) ?? []]).toEqual([0x86, 3]);
    expect([...rig.pdu([4, 0x04, 0xba, 0, 2]) ?? []]).toEqual([0x84, 1]);
    const station = rig.handler.prepare(200, Buffer.from([3, 0, 140, 0, 17]), 'tcp').finish() as Buffer;
    expect(decodeValue('string', [...Array(17).keys()].map((i) => station.readUInt16BE(2 + 2 * i)))).toBe('NG910');
    expect(rig.handler.prepare(7, Buffer.from([3, 0x04, 0xba, 0, 2]), 'tcp').finish()).toBeNull();
    expect(decodeValue('string', rig.read(1201, 5))).toBe('A');
    expect(rig.readFloat(1212)).toBe(6);
  });

  it('Alfen: before any setpoint the socket runs at the safe current; 1215 = 1 charges on one phase', async () => {
    rig = chargerRig({ map: 'alfen-ng9xx', safeCurrentA: 10 });
    rig.startSession();
    await rig.clock.runFor(5000);
    expect(rig.powerW()).toBeCloseTo(10 * 690, 0);
    expect(decodeValue('string', rig.read(1201, 5))).toBe('C2');
    rig.writeFloat(1210, 16);
    rig.pdu([6, 0x04, 0xbf, 0, 1]);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(16 * 230, 0);
    expect(rig.read(1215, 1)).toEqual([1]);
    expect(decodeValue('float64', rig.read(374, 4))).toBeGreaterThan(0);
  });

  it('ABB: setpoint in mA (U32, write-only, FC16), applied limit and currents read back in mA, voltages in 0.1 V', async () => {
    rig = chargerRig({ map: 'abb-terra-ac' });
    rig.startSession();
    rig.writeRegs(0x4100, encodeValue('uint32', 10_000));
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(6900, 0);
    expect(decodeValue('uint32', rig.read(0x400e, 2))).toBe(10_000);
    expect(decodeValue('uint32', rig.read(0x4010, 2))).toBe(10_000);
    expect(decodeValue('uint32', rig.read(0x4016, 2))).toBe(2300);
    expect(decodeValue('uint32', rig.read(0x400c, 2))).toBe(4 * 256);
    expect([...rig.pdu([3, 0x41, 0x00, 0, 2]) ?? []]).toEqual([0x83, 2]);
  });

  it('ABL eMH1: duty cycle x 0.06 A, 1000 = disabled, outside 80..1000 is exception 03, FC06 is 01', async () => {
    rig = chargerRig({ map: 'abl-emh1' });
    rig.startSession();
    rig.writeRegs(0x14, [166]);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBeCloseTo(166 * 0.06 * 690, 0);
    expect(rig.read(0x04, 1)).toEqual([0xc2]);
    rig.writeRegs(0x14, [1000]);
    await rig.clock.runFor(3000);
    expect(rig.powerW()).toBe(0);
    expect(rig.read(0x14, 1)).toEqual([1000]);
    expect([...rig.writeRegs(0x14, [50]) ?? []]).toEqual([0x90, 3]);
    expect([...rig.pdu([6, 0, 0x14, 0, 100]) ?? []]).toEqual([0x86, 1]);
  });

  it('Webasto NEXT: the life bit refreshes the watchdog and reads back 0; without it the box falls back to the safe current', async () => {
    rig = chargerRig({ map: 'webasto-next', validityS: 20, safeCurrentA: 8 });
    rig.startSession();
    rig.pdu([6, 0x13, 0x8c, 0, 16]);
    rig.pdu([6, 0x17, 0x70, 0, 1]);
    await rig.clock.runFor(15_000);
    expect(rig.read(6000, 1)).toEqual([0]);
    rig.pdu([6, 0x17, 0x70, 0, 1]);
    await rig.clock.runFor(15_000);
    expect(rig.powerW()).toBeCloseTo(16 * 690, 0);
    await rig.clock.runFor(7000);
    expect(rig.powerW()).toBeCloseTo(8 * 690, 0);
    expect(rig.read(1000, 1)).toEqual([3]);
  });
});
