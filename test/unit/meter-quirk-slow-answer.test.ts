import { regsOf, req, rig } from "../support/meter-fixture.js";
import { describe, expect, it } from "vitest";


describe("meter/slow-answer", () => {
  it("fixed latency on the clock; the trace shows latencyMs", async () => {
    const { handler, clock, txs } = rig({ quirks: [{ id: "meter/slow-answer", params: { delay: "250ms" } }] });
    const p = handler.handle(1, req(4, 0, 2));
    let done = false;
    void p.then(() => { done = true; });
    await clock.runFor(249);
    expect(done).toBe(false);
    await clock.runFor(1);
    expect(regsOf(await p)).toEqual([0x4366, 0]);
    expect(txs()[0]).toMatchObject({ latencyMs: 250, quirks: ["meter/slow-answer"] });
  });

  it("seeded random latency within bounds, identical for the same seed", async () => {
    const delays = (): number[] => {
      const { handler } = rig({ quirks: [{ id: "meter/slow-answer", params: { delayMin: 10, delayMax: 500 } }] });
      return Array.from({ length: 20 }, () => handler.prepare(1, req(4, 0, 2), "tcp").delayMs);
    };
    const a = delays();
    expect(a).toEqual(delays());
    expect(Math.min(...a)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...a)).toBeLessThanOrEqual(500);
    expect(new Set(a).size).toBeGreaterThan(5);
  });

  it("timeouts: never answers with probability p (seeded), each one traced", async () => {
    const { handler, quirkRecords, txs } = rig({ quirks: [{ id: "meter/slow-answer", params: { timeoutProbability: 0.3 } }] });
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await handler.handle(1, req(4, 0, 2)));
    const dropped = answers.filter((a) => a === null).length;
    expect(dropped).toBeGreaterThan(35);
    expect(dropped).toBeLessThan(85);
    expect(quirkRecords()).toHaveLength(dropped);
    expect(txs().filter((t) => t.dropped === "quirk")).toHaveLength(dropped);
  });

  it("rejects delay together with delayMin/delayMax, and a bad duration", () => {
    expect(() => rig({ quirks: [{ id: "meter/slow-answer", params: { delay: 5, delayMin: 1, delayMax: 2 } }] })).toThrow(/either delay or delayMin/);
    expect(() => rig({ quirks: [{ id: "meter/slow-answer", params: { delay: "soon" } }] })).toThrow(/expected a duration/);
  });
});
