import { regsOf, req, rig } from "../support/meter-fixture.js";
import { describe, expect, it } from "vitest";


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
