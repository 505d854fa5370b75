import { regsOf, req, rig } from "../support/meter-fixture.js";
import { decodeValue } from "../../emulators/meter/index.js";
import { describe, expect, it } from "vitest";


describe("meter/wrong-scale-factor", () => {
  it("W_SF reads N off while W is encoded with the real exponent", async () => {
    const { handler, quirkRecords, txs } = rig({ map: "sunspec-203", quirks: [{ id: "meter/wrong-scale-factor", params: { offset: 2, scaleFactors: ["W_SF"] } }] });
    const [w, , , , wsf] = regsOf(await handler.handle(1, req(3, 40087, 5))) as number[];
    expect(w).toBe(1100); // 11000 W at the true W_SF = 1
    expect(decodeValue("int16", [wsf as number])).toBe(3);
    expect((w as number) * 10 ** 3).toBe(1_100_000); // what a master believing W_SF reads
    const asf = regsOf(await handler.handle(1, req(3, 40075, 1)));
    expect(decodeValue("int16", asf)).toBe(-2); // A_SF untouched
    expect(quirkRecords()).toHaveLength(1);
    expect(txs()[0]?.quirks).toEqual(["meter/wrong-scale-factor"]);
    expect(txs()[1]?.quirks).toBeUndefined();
  });

  it("every scale factor by default; no effect on maps without scale factors", async () => {
    const sunspec = rig({ map: "sunspec-203", quirks: [{ id: "meter/wrong-scale-factor", params: { offset: -1 } }] }).handler;
    expect(decodeValue("int16", regsOf(await sunspec.handle(1, req(3, 40084, 1))))).toBe(-2); // V_SF -1 - 1
    const sdm = rig({ quirks: [{ id: "meter/wrong-scale-factor" }] });
    expect(regsOf(await sdm.handler.handle(1, req(4, 0, 2)))).toEqual([0x4366, 0]);
    expect(sdm.quirkRecords()).toHaveLength(0);
  });

  it("offset 0 is refused", () => {
    expect(() => rig({ quirks: [{ id: "meter/wrong-scale-factor", params: { offset: 0 } }] })).toThrow(/offset must not be 0/);
  });
});
