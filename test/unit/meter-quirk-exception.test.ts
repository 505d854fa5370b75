import { describe, expect, it } from "vitest";
import { MemoryTrace } from "../../src/core/trace.js";
import { VirtualClock } from "../../src/core/virtual-clock.js";
import { SiteModel } from "../../emulators/site/site-model.js";
import { bufferToRegisters, createMeter, type MeterConfigInput } from "../../emulators/meter/index.js";

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

describe("meter/exception", () => {
  it("02 for the given addresses, others answered", async () => {
    const { handler, quirkRecords, txs } = rig({ quirks: [{ id: "meter/exception", params: { code: 2, addresses: [{ from: 0x48, to: 0x4b }] } }] });
    expect((await handler.handle(1, req(4, 0x48, 2)))?.toString("hex")).toBe("8402");
    expect((await handler.handle(1, req(4, 0x46, 4)))?.toString("hex")).toBe("8402");
    expect(regsOf(await handler.handle(1, req(4, 0, 2)))).toEqual([0x4366, 0]);
    expect(quirkRecords()).toHaveLength(2);
    expect(txs()[0]).toMatchObject({ exception: 2, quirks: ["meter/exception"] });
  });

  it("04 server device failure with probability p (seeded)", async () => {
    const { handler } = rig({ quirks: [{ id: "meter/exception", params: { probability: 0.5 } }] });
    let failures = 0;
    for (let i = 0; i < 100; i++) if ((await handler.handle(1, req(4, 0, 2)))?.toString("hex") === "8404") failures++;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(70);
  });

  it("bad requests keep their own exception (01 / 03)", async () => {
    const { handler, quirkRecords } = rig({ quirks: [{ id: "meter/exception" }] });
    expect((await handler.handle(1, req(6, 0, 1)))?.toString("hex")).toBe("8601");
    expect((await handler.handle(1, req(4, 0, 0)))?.toString("hex")).toBe("8403");
    expect(quirkRecords()).toHaveLength(0);
    expect((await handler.handle(1, req(4, 0, 2)))?.toString("hex")).toBe("8404");
  });

  it("only 02 or 04", () => {
    expect(() => rig({ quirks: [{ id: "meter/exception", params: { code: 3 } as never }] })).toThrow(/code/);
  });
});
