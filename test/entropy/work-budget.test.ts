import fc from "fast-check";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Observation } from "../../engine/cluster.ts";
import { solveObservation, type PartitionPlan } from "../../plugins/entropy/index.ts";

/** A seeded datacenter with many overloaded nodes: enough work for the budget to matter. */
function busyDatacenter(seed: number, nodes = 60, vmsPerNode = 8): Observation {
  const rng = xoroshiro128plus(seed);
  const names = Array.from({ length: nodes }, (_, i) => `pm-${String(i).padStart(3, "0")}`);
  return {
    time: 0,
    nodes: names.map((name) => ({ name, cores: 6, memoryMiB: 32768, online: true })),
    vms: names.flatMap((node, n) =>
      Array.from({ length: vmsPerNode }, (_, i) => ({
        name: `vm-${String(n * vmsPerNode + i).padStart(4, "0")}`, node, vcpus: 1, memoryMiB: 1024,
        cpuDemand: Math.round(300 + uniformFloat64(rng) * 700) / 1000, migrating: false,
      })),
    ),
  };
}

/** Everything but the measured wall time. */
const decided = ({ seconds: _, ...rest }: PartitionPlan) => rest;

describe("solveObservation with a work limit (the simulated clock's budget)", () => {
  afterEach(() => vi.restoreAllMocks());
  const obs = busyDatacenter(11);
  const full = solveObservation(obs, { timeLimitSeconds: 600 });

  it("needs a real search here: the datacenter is overloaded and the solve migrates", () => {
    expect(full.status).toBe("solved");
    expect(full.actions.length).toBeGreaterThan(5);
  });

  it("ignores a tiny wall-clock limit that would otherwise stop the solve", () => {
    expect(solveObservation(obs, { timeLimitSeconds: 1e-9 }).status).toBe("timeout");
    const a = solveObservation(obs, { timeLimitSeconds: 1e-9, workLimit: full.work + 1 });
    const b = solveObservation(obs, { timeLimitSeconds: 1e-9, workLimit: full.work + 1 });
    expect(decided(a)).toEqual(decided(full));
    expect(decided(b)).toEqual(decided(a));
  });

  it("gives the same plan and work for any limit even when the wall clock leaps between reads (a loaded machine)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.work + 1 }), (workLimit) => {
        const calm = solveObservation(obs, { timeLimitSeconds: 1e-9, workLimit });
        let t = 0;
        const spy = vi.spyOn(performance, "now").mockImplementation(() => (t += 10_000));
        const loaded = solveObservation(obs, { timeLimitSeconds: 1e-9, workLimit });
        spy.mockRestore();
        expect(decided(loaded)).toEqual(decided(calm));
        // A timeout means the limit was reached, not the (tiny) wall-clock one; past the full work it changes nothing.
        if (calm.status === "timeout") expect(calm.work).toBeGreaterThanOrEqual(workLimit);
        if (workLimit > full.work) expect(decided(calm)).toEqual(decided(full));
      }),
      { numRuns: 25, seed: 5 },
    );
  });

  it("stops where the limit falls: a timeout when it is short, a plan (the search cut short) when it is not", () => {
    const statuses = [0.01, 0.5, 0.9].map((fraction) => {
      const cut = solveObservation(obs, { workLimit: Math.floor(full.work * fraction) });
      expect(cut.work).toBeLessThanOrEqual(full.work);
      return cut.status;
    });
    expect(statuses).toEqual(["timeout", "timeout", "solved"]);
  });
});
