import { describe, expect, it } from "vitest";
import { LboOverlay } from "../../plugins/dvms/lbo.ts";
import { RingOverlay } from "../../plugins/dvms/overlay.ts";
import { coordinateDistance, embed } from "../../plugins/dvms/vivaldi.ts";
import { node, scriptedRing } from "./support/ring.ts";

/** Two sites, interleaved in name order: even nodes in site A, odd ones in site B. */
const names = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, "0")}`);
const site = (n: string): number => Number(n.slice(1)) % 2;
const latency = (a: string, b: string): number => (a === b ? 0 : site(a) === site(b) ? 0.0001 : 0.01);
const lboOptions = { seed: 3, rounds: 16, samples: 4, neighbours: 5 };

describe("ring overlay", () => {
  const ring = new RingOverlay(["a", "b", "c", "d"]);
  it("offers the partition to the first successor outside it, wrapping around", () => {
    expect(ring.firstOut("a", { initiator: "a", nodes: ["a"] }, new Set(["a"]))).toBe("b");
    expect(ring.firstOut("c", { initiator: "c", nodes: ["c", "d"] }, new Set(["c", "d"]))).toBe("a");
    expect(ring.firstOut("b", { initiator: "a", nodes: ["a", "b"] }, new Set(["a", "b", "c"]))).toBe("d");
  });
  it("has no first out once every node is taken", () => {
    expect(ring.firstOut("a", { initiator: "a", nodes: ["a", "b", "c", "d"] }, new Set(["a", "b", "c", "d"]))).toBeNull();
  });
});

describe("Vivaldi coordinates", () => {
  it("place nodes of one site close together and the two sites far apart", () => {
    const coords = embed(names, (a, b) => 2 * latency(a, b), lboOptions);
    const d = (a: string, b: string): number => coordinateDistance(coords.get(a)!, coords.get(b)!);
    const intra: number[] = [];
    const inter: number[] = [];
    for (const a of names) for (const b of names) if (a < b) (site(a) === site(b) ? intra : inter).push(d(a, b));
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    // Predicted RTTs: ~0.2 ms inside a site, ~20 ms across.
    expect(median(inter)).toBeGreaterThan(0.015);
    expect(median(inter)).toBeLessThan(0.025);
    expect(median(intra)).toBeLessThan(0.004);
  });
  it("are deterministic for a seed", () => {
    expect(embed(names, latency, lboOptions)).toEqual(embed(names, latency, lboOptions));
  });
});

describe("LBO overlay", () => {
  const lbo = new LboOverlay(names, latency, lboOptions);
  it("grows a partition inside its initiator's site where the ring would cross sites", () => {
    const partition = { initiator: "n00", nodes: ["n00"] };
    expect(new RingOverlay(names).firstOut("n00", partition, new Set(["n00"]))).toBe("n01");
    const next = lbo.firstOut("n00", partition, new Set(["n00"]))!;
    expect(site(next)).toBe(0);
  });
  it("still reaches the other site once its own is taken", () => {
    const taken = names.filter((n) => site(n) === 0);
    const next = lbo.firstOut("n18", { initiator: "n00", nodes: taken }, new Set(taken));
    expect(next).not.toBeNull();
    expect(site(next!)).toBe(1);
  });
  it("solves an overload on the simulated testbed", () => {
    const ring = scriptedRing(8, { overlay: "lbo" });
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(60);
    const isp = ring.isp(node(0));
    expect(isp.end).toMatchObject({ outcome: "solved", size: 4 });
    expect(ring.overloaded(node(0))).toBe(false);
    expect(ring.problems).toEqual([]);
  });
});
