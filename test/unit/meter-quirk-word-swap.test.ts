import { regsOf, req, rig } from "../support/meter-fixture.js";
import { decodeValue } from "../../emulators/meter/index.js";
import { describe, expect, it } from "vitest";


describe("meter/word-swap", () => {
  it("serves float32 low word first; traced once as a quirk, listed on every transaction", async () => {
    const { handler, quirkRecords, txs } = rig({ quirks: [{ id: "meter/word-swap" }] });
    const regs = regsOf(await handler.handle(1, req(4, 0, 2)));
    expect(regs).toEqual([0x0000, 0x4366]);
    expect(decodeValue("float32", regs, { wordOrder: "little" })).toBe(230);
    expect(decodeValue("float32", regs)).not.toBeCloseTo(230, 0);
    await handler.handle(1, req(4, 0x34, 2));
    expect(quirkRecords()).toEqual([expect.objectContaining({ device: "m1", quirk: "meter/word-swap", detail: expect.stringMatching(/low word first/) })]);
    expect(txs().map((t) => t.quirks)).toEqual([["meter/word-swap"], ["meter/word-swap"]]);
  });

  it("only the listed types / entries", async () => {
    const sunspec = rig({ map: "sunspec-203", quirks: [{ id: "meter/word-swap", params: { types: ["acc32"] } }] }).handler;
    expect(regsOf(await sunspec.handle(1, req(3, 40000, 2)))).toEqual([0x5375, 0x6e53]); // uint32 SID untouched
    const only = rig({ quirks: [{ id: "meter/word-swap", params: { entries: ["Total system power"] } }] }).handler;
    expect(regsOf(await only.handle(1, req(4, 0, 2)))).toEqual([0x4366, 0]);
    expect(regsOf(await only.handle(1, req(4, 0x34, 2)))).toEqual([0xe000, 0x462b]);
  });

  it("rejects unknown params", () => {
    expect(() => rig({ quirks: [{ id: "meter/word-swap", params: { types: ["int16"] } as never }] })).toThrow(/quirks\[0\]\.params\.types/);
  });
});
