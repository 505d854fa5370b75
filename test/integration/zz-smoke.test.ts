import { it, expect } from 'vitest';
import ModbusSerial from 'modbus-serial';
import { createPtyPair } from '../support/pty.js';
import { RtuServer } from '../../emulators/meter/rtu-server.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { RealClock } from '../../src/core/clock.js';

it('smoke', async () => {
  const pty = await createPtyPair();
  const trace = new MemoryTrace(new RealClock());
  const server = await RtuServer.open({ path: pty.a, baudRate: 115200, unitId: 1, trace, handler: { async handle(_u, pdu) {
    const count = pdu.readUInt16BE(3); const b = Buffer.alloc(2 + 2 * count); b[0] = pdu[0]!; b[1] = 2 * count; for (let i = 0; i < count; i++) b.writeUInt16BE(i + 1, 2 + 2 * i); return b; } } });
  const client = new ModbusSerial.default();
  await client.connectRTUBuffered(pty.b, { baudRate: 115200 });
  client.setID(1); client.setTimeout(500);
  const r = await client.readInputRegisters(0, 10);
  expect(r.data).toEqual([1,2,3,4,5,6,7,8,9,10]);
  const t0 = performance.now(); let n = 0;
  while (performance.now() - t0 < 2000) { await client.readInputRegisters(0, 10); n++; }
  console.log('reads/s', n / 2, server.stats);
  await new Promise<void>((r) => client.close(() => r()));
  await server.close();
  await pty.cleanup();
  console.log(trace.records.slice(0, 3));
});
