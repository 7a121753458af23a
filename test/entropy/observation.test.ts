import { describe, expect, it } from "vitest";
import type { Observation } from "../../engine/cluster.ts";
import { solveObservation } from "../../plugins/entropy/index.ts";

function observation(loads: Record<string, number[]>, cores = 4): Observation {
  const nodes = Object.keys(loads).map((name) => ({ name, cores, memoryMiB: 8192, online: true }));
  const vms = Object.entries(loads).flatMap(([node, ds]) =>
    ds.map((cpuDemand, i) => ({ name: `${node}-vm${i}`, node, vcpus: 2, memoryMiB: 1024, cpuDemand, migrating: false })),
  );
  return { time: 0, nodes, vms };
}

describe("solveObservation (the DVMS bridge)", () => {
  it("is unchanged when no node is overloaded", () => {
    const plan = solveObservation(observation({ a: [1, 1], b: [2] }));
    expect(plan.status).toBe("unchanged");
    expect(plan.actions).toEqual([]);
  });

  it("repairs an overloaded node with the fewest migrations, onto nodes with room", () => {
    const obs = observation({ a: [2, 2, 1.5], b: [3.5], c: [1] });
    const plan = solveObservation(obs);
    expect(plan.status).toBe("solved");
    expect(plan.actions).toHaveLength(1);
    const [m] = plan.actions;
    expect(m.from).toBe("a");
    expect(m.to).toBe("c");
    expect(m.start).toBe(0);
    expect(m.end).toBeCloseTo((1024 * 1048576) / 125e6, 6);
    expect(plan.work).toBeGreaterThan(0);
  });

  it("only uses the given nodes (a DVMS partition)", () => {
    const obs = observation({ a: [2, 2, 1.5], b: [3.5], c: [1], d: [0] });
    const plan = solveObservation(obs, { nodes: ["a", "b", "d"] });
    expect(plan.actions.map((x) => x.to)).toEqual(["d"]);
    expect(solveObservation(obs, { nodes: ["a", "b"] }).status).toBe("no-solution");
  });

  it("never moves a VM already migrating", () => {
    const obs = observation({ a: [2, 2.5], b: [0] });
    const busy = { ...obs, vms: obs.vms.map((v) => (v.name === "a-vm1" ? { ...v, migrating: true } : v)) };
    expect(solveObservation(busy).actions.map((x) => x.vm)).toEqual(["a-vm0"]);
  });

  it("counts the same work for the same observation (deterministic compute time)", () => {
    const obs = observation({ a: [2, 2, 1.5], b: [3.5], c: [1], d: [0.5, 3.9] });
    expect(solveObservation(obs).work).toBe(solveObservation(obs).work);
  });
});
