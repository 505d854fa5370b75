/**
 * The emulated meter over real Modbus TCP on loopback, read by modbus-serial as the master (an
 * independent client implementation) and by a raw socket for framing edge cases.
 */
import { connect, type Socket } from 'node:net';
import ModbusSerial from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTrace } from '../../src/core/trace.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { SiteModel } from '../../emulators/site/site-model.js';
import { createMeter, decodeValue, type EmulatedMeter, type MeterConfigInput } from '../../emulators/meter/index.js';

// modbus-serial is CommonJS: under NodeNext its class is the default export's `default`
const ModbusRTU = ModbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function serve(meter: Partial<MeterConfigInput> = {}, baseKw = 11) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const site = new SiteModel({ baseKw }, clock);
  const m: EmulatedMeter = createMeter({ id: 'grid', tcp: { host: '127.0.0.1', port: 0 }, ...meter }, { site, clock, trace });
  const { tcp } = await m.start();
  cleanups.push(() => m.close());
  return { clock, trace, site, m, endpoint: tcp as { host: string; port: number } };
}

async function master(endpoint: { host: string; port: number }, unit = 1, timeoutMs = 1000): Promise<ModbusClient> {
  const client = new ModbusRTU();
  await client.connectTCP(endpoint.host, { port: endpoint.port });
  client.setID(unit);
  client.setTimeout(timeoutMs);
  cleanups.push(() => new Promise<void>((r) => client.close(() => r())));
  return client;
}

const floatsOf = (data: number[], order: 'big' | 'little' = 'big'): number[] => {
  const out: number[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) out.push(decodeValue('float32', data.slice(i, i + 2), { wordOrder: order }) as number);
  return out;
};

describe('SDM630 over Modbus TCP (modbus-serial master)', () => {
  it('decoded floats match the site model: 11 kW over 3 x 230 V', async () => {
    const { endpoint, site } = await serve();
    const client = await master(endpoint);
    const { data } = await client.readInputRegisters(0x0000, 18);
    const [v1, v2, v3, i1, i2, i3, p1, p2, p3] = floatsOf(data);
    expect([v1, v2, v3]).toEqual([230, 230, 230]);
    for (const i of [i1, i2, i3]) expect(i).toBeCloseTo(15.94, 2);
    for (const p of [p1, p2, p3]) expect(p).toBeCloseTo(11000 / 3, 1);
    expect(floatsOf((await client.readInputRegisters(0x0034, 2)).data)).toEqual([11000]);
    expect(floatsOf((await client.readInputRegisters(0x0046, 2)).data)).toEqual([50]);
    expect(site.importW()).toBe(11000);
  });

  it('energy follows the clock: 11 kWh after an hour', async () => {
    const { endpoint, clock } = await serve();
    const client = await master(endpoint);
    await clock.runFor(3_600_000);
    const [imp, exp] = floatsOf((await client.readInputRegisters(0x0048, 4)).data);
    expect(imp).toBeCloseTo(11, 4);
    expect(exp).toBe(0);
  });

  it('unmapped address -> exception 02; too many registers -> 03; holding registers -> 02', async () => {
    const { endpoint, trace } = await serve();
    const client = await master(endpoint);
    await expect(client.readInputRegisters(0x0012, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readInputRegisters(0x0000, 100)).rejects.toMatchObject({ modbusCode: 3 });
    await expect(client.readHoldingRegisters(0x0000, 2)).rejects.toMatchObject({ modbusCode: 2 });
    // still serving after the exceptions
    expect(floatsOf((await client.readInputRegisters(0x0000, 2)).data)).toEqual([230]);
    const txs = trace.records.filter((r) => r.kind === 'device' && r.event === 'modbus').map((r) => (r as { data: { exception?: number; link: string } }).data);
    expect(txs.map((t) => t.exception)).toEqual([2, 3, 2, undefined]);
    expect(txs.every((t) => t.link === 'tcp')).toBe(true);
  });

  it('frozen quirk: values stop updating, the meter still answers', async () => {
    const { endpoint, site, clock, trace } = await serve({ quirks: [{ id: 'meter/frozen-registers', params: { after: '1m' } }] });
    const client = await master(endpoint);
    let w = 0;
    site.addEvse('CP1', ['L1', 'L2', 'L3'], () => ({ powerW: w }));
    w = 11000;
    site.settle();
    expect(floatsOf((await client.readInputRegisters(0x0034, 2)).data)).toEqual([22000]);
    await clock.runFor(60_000);
    expect(floatsOf((await client.readInputRegisters(0x0034, 2)).data)).toEqual([22000]);
    w = 0;
    site.settle();
    expect(floatsOf((await client.readInputRegisters(0x0034, 2)).data)).toEqual([22000]);
    expect(site.importW()).toBe(11000);
    expect(trace.records.filter((r) => r.kind === 'quirk')).toEqual([expect.objectContaining({ device: 'grid', quirk: 'meter/frozen-registers' })]);
  });

  it('word-swap quirk: a big-endian master reads garbage, low-word-first decoding gives the value', async () => {
    const { endpoint } = await serve({ quirks: [{ id: 'meter/word-swap' }] });
    const client = await master(endpoint);
    const { data } = await client.readInputRegisters(0x0000, 2);
    expect(data).toEqual([0x0000, 0x4366]);
    expect(floatsOf(data, 'little')).toEqual([230]);
    expect(floatsOf(data)[0]).not.toBeCloseTo(230, 0);
  });

  it('another unit id gets no answer (the master times out)', async () => {
    const { endpoint } = await serve({ unitId: 5 });
    const client = await master(endpoint, 9, 300);
    await expect(client.readInputRegisters(0, 2)).rejects.toThrow(/timed out/i);
  });

  it('SunSpec 203 on holding registers', async () => {
    const { endpoint } = await serve({ map: 'sunspec-203', unitId: 2 });
    const client = await master(endpoint, 2);
    expect((await client.readHoldingRegisters(40000, 4)).data).toEqual([0x5375, 0x6e53, 1, 65]);
    const w = (await client.readHoldingRegisters(40087, 5)).data;
    expect((decodeValue('int16', [w[0] as number]) as number) * 10 ** (decodeValue('int16', [w[4] as number]) as number)).toBe(11000);
  });
});

describe('MBAP framing (raw socket)', () => {
  const frame = (tid: number, unit: number, pdu: number[], protocol = 0, length = pdu.length + 1): Buffer =>
    Buffer.from([tid >> 8, tid & 0xff, protocol >> 8, protocol & 0xff, length >> 8, length & 0xff, unit, ...pdu]);
  const read = (fc: number, addr: number, count: number): number[] => [fc, addr >> 8, addr & 0xff, count >> 8, count & 0xff];

  async function raw(endpoint: { host: string; port: number }): Promise<{ sock: Socket; received: () => Buffer; closed: Promise<void> }> {
    const sock = connect(endpoint.port, endpoint.host);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let got = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); });
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    cleanups.push(() => { sock.destroy(); });
    return { sock, received: () => got, closed };
  }

  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('several requests in one chunk, and a request split over chunks', async () => {
    const { endpoint } = await serve();
    const c = await raw(endpoint);
    c.sock.write(Buffer.concat([frame(1, 1, read(4, 0, 2)), frame(2, 1, read(4, 0x34, 2)), frame(3, 1, read(4, 0x12, 2))]));
    const split = frame(4, 1, read(4, 0x46, 2));
    c.sock.write(split.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.write(split.subarray(3, 9));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.write(split.subarray(9));
    await until(() => c.received().length >= 3 * 13 + 9);
    expect(c.received().toString('hex')).toBe([
      '0001000000070104044366' + '0000',
      '00020000000701040446' + '2be000',
      '000300000003018402',
      '0004000000070104044248' + '0000',
    ].join(''));
  });

  it('a bad protocol id or an absurd length: frame dropped, connection closed, server still serving', async () => {
    const { endpoint, trace } = await serve();
    const a = await raw(endpoint);
    a.sock.write(frame(1, 1, read(4, 0, 2), 7));
    await a.closed;
    expect(a.received().length).toBe(0);
    const b = await raw(endpoint);
    b.sock.write(frame(1, 1, read(4, 0, 2), 0, 4000));
    await b.closed;
    const c = await raw(endpoint);
    c.sock.write(frame(9, 1, read(4, 0, 2)));
    await until(() => c.received().length >= 13);
    expect(c.received().subarray(0, 2).toString('hex')).toBe('0009');
    const malformed = trace.records.filter((r) => r.kind === 'device' && r.event === 'modbus-malformed');
    expect(malformed).toHaveLength(2);
    expect(JSON.stringify(malformed)).toMatch(/protocol id 7/);
    expect(JSON.stringify(malformed)).toMatch(/MBAP length 4000/);
  });

  it('a late answer (slow-answer quirk) arrives when the clock reaches it', async () => {
    const { endpoint, clock, trace } = await serve({ quirks: [{ id: 'meter/slow-answer', params: { delay: '2s' } }] });
    const c = await raw(endpoint);
    c.sock.write(frame(1, 1, read(4, 0, 2)));
    await until(() => clock.pendingTimers() > 0);
    expect(c.received().length).toBe(0);
    await clock.runFor(2000);
    await until(() => c.received().length >= 13);
    expect(c.received().toString('hex')).toBe('00010000000701040443660000');
    const tx = trace.records.find((r) => r.kind === 'device' && r.event === 'modbus') as { data: { latencyMs: number } };
    expect(tx.data.latencyMs).toBe(2000);
  });

  it('a short garbage chunk and an abrupt disconnect do not crash the server', async () => {
    const { endpoint } = await serve();
    const a = await raw(endpoint);
    a.sock.write(Buffer.from([0, 1, 0]));
    a.sock.destroy();
    const c = await raw(endpoint);
    c.sock.write(frame(2, 1, [0x2b, 0x0e, 0x01, 0x00]));
    await until(() => c.received().length >= 9);
    expect(c.received().toString('hex')).toBe('000200000003' + '01ab01');
  });
});
