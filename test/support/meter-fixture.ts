/** Shared setup of the meter quirk tests: a meter on a virtual-clock site, raw PDUs in and out. */
import { VirtualClock } from "../../src/core/virtual-clock.js";
import { MemoryTrace } from "../../src/core/trace.js";
import { SiteModel } from "../../emulators/site/site-model.js";
import { createMeter, bufferToRegisters, type MeterConfigInput } from "../../emulators/meter/index.js";

export function rig(meter: Partial<MeterConfigInput>, baseKw = 11) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const site = new SiteModel({ baseKw }, clock);
  const m = createMeter({ id: "m1", ...meter }, { site, clock, trace });
  const quirkRecords = () => trace.records.filter((r) => r.kind === "quirk");
  const txs = () => trace.records.filter((r) => r.kind === "device" && r.event === "modbus").map((r) => (r as { data: Record<string, unknown> }).data);
  return { clock, trace, site, ...m, quirkRecords, txs };
}

export const req = (fc: number, address: number, count: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = fc;
  b.writeUInt16BE(address, 1);
  b.writeUInt16BE(count, 3);
  return b;
};
export const regsOf = (res: Buffer | null): number[] => bufferToRegisters((res as Buffer).subarray(2));
