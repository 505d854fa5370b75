import { regsOf, req, rig } from "../support/meter-fixture.js";
import { decodeValue } from "../../emulators/meter/index.js";
import { describe, expect, it } from "vitest";


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
