import { regsOf, req, rig } from "../support/meter-fixture.js";
import { decodeValue } from "../../emulators/meter/index.js";
import { describe, expect, it } from "vitest";


describe("meter/frozen-registers", () => {
  it("values stop updating after the given time while the meter still answers", async () => {
    const { handler, clock, site, quirkRecords } = rig({ quirks: [{ id: "meter/frozen-registers", params: { after: "10m" } }] });
    let w = 0;
    site.addEvse("CP1", ["L1", "L2", "L3"], () => ({ powerW: w }));
    const total = async () => decodeValue("float32", regsOf(await handler.handle(1, req(4, 0x34, 2))));
    expect(await total()).toBe(11000);
    w = 11000;
    site.settle();
    expect(await total()).toBe(22000);
    await clock.runFor(600_000);
    expect(await total()).toBe(22000);
    w = 0;
    site.settle();
    expect(await total()).toBe(22000); // stale
    const e1 = decodeValue("float32", regsOf(await handler.handle(1, req(4, 0x48, 2))));
    await clock.runFor(3_600_000);
    expect(decodeValue("float32", regsOf(await handler.handle(1, req(4, 0x48, 2))))).toBe(e1);
    expect(quirkRecords()).toHaveLength(1);
    expect(quirkRecords()[0]).toMatchObject({ quirk: "meter/frozen-registers", detail: expect.stringMatching(/values frozen at t=600000/) });
  });

  it("from now, for a limited time", async () => {
    const { handler, clock, site, quirkRecords, meter } = rig({ quirks: [{ id: "meter/frozen-registers", params: { for: "1m" } }] });
    expect(meter.quantity("power.total")).toBe(11000); // frozen at the first read
    site.addEvse("CP1", ["L1"], () => ({ powerW: 2300 }));
    expect(meter.quantity("power.total")).toBe(11000);
    expect(meter.rawSource.powerTotal()).toBeCloseTo(13300, 6);
    await clock.runFor(60_000);
    expect(decodeValue("float32", regsOf(await handler.handle(1, req(4, 0x34, 2))))).toBeCloseTo(13300, 2);
    expect(quirkRecords().map((r) => (r as { detail: string }).detail)).toEqual([expect.stringMatching(/frozen/), expect.stringMatching(/updating again/)]);
  });
});
