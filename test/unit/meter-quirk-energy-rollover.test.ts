import { describe, expect, it } from "vitest";
import { MemoryTrace } from "../../src/core/trace.js";
import { VirtualClock } from "../../src/core/virtual-clock.js";
import { SiteModel } from "../../emulators/site/site-model.js";
import { bufferToRegisters, createMeter, decodeValue, type MeterConfigInput } from "../../emulators/meter/index.js";

function rig(meter: Partial<MeterConfigInput>, baseKw = 11) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const site = new SiteModel({ baseKw }, clock);
  const m = createMeter({ id: "m1", ...meter }, { site, clock, trace });
  const quirkRecords = () => trace.records.filter((r) => r.kind === "quirk");
  const txs = () => trace.records.filter((r) => r.kind === "device" && r.event === "modbus").map((r) => (r as { data: Record<string, unknown> }).data);
  return { clock, trace, site, ...m, quirkRecords, txs };
}

const req = (fc: number, address: number, count: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = fc;
  b.writeUInt16BE(address, 1);
  b.writeUInt16BE(count, 3);
  return b;
};
const regsOf = (res: Buffer | null): number[] => bufferToRegisters((res as Buffer).subarray(2));

describe("meter/energy-rollover", () => {
  it("the import counter wraps at the configured value (kWh), the wrap is traced", async () => {
    const { handler, clock, quirkRecords } = rig({ quirks: [{ id: "meter/energy-rollover", params: { wrapAt: 100, startAt: 95 } }] });
    const kwh = async () => decodeValue("float32", regsOf(await handler.handle(1, req(4, 0x48, 2)))) as number;
    expect(await kwh()).toBe(95);
    await clock.runFor(1_800_000); // +5.5 kWh at 11 kW
    expect(await kwh()).toBeCloseTo(0.5, 3);
    expect(quirkRecords()).toEqual([expect.objectContaining({ quirk: "meter/energy-rollover", detail: expect.stringMatching(/import energy counter wrapped at 100 kWh/) })]);
  });

  it("SunSpec acc32 in Wh wraps too", async () => {
    const { handler, clock } = rig({ map: "sunspec-203", quirks: [{ id: "meter/energy-rollover", params: { wrapAt: 10_000, unit: "Wh", startAt: 9_000 } }] });
    await clock.runFor(360_000); // 1.1 kWh
    expect(decodeValue("acc32", regsOf(await handler.handle(1, req(3, 40115, 2))))).toBe(100);
  });

  it("startAt below wrapAt", () => {
    expect(() => rig({ quirks: [{ id: "meter/energy-rollover", params: { wrapAt: 10, startAt: 10 } }] })).toThrow(/startAt must be below wrapAt/);
    expect(() => rig({ quirks: [{ id: "meter/energy-rollover" }] })).toThrow(/wrapAt/);
  });
});
