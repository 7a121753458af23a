import { describe, expect, it } from "vitest";
import type { Observation } from "../../engine/cluster.ts";
import fc from "fast-check";
import { solveObservation } from "../../plugins/entropy/index.ts";
import { Root } from "../../plugins/entropy/constraints/root.ts";
import { ProblemBuilder } from "../../plugins/entropy/model/builder.ts";
import { problemOf } from "../../plugins/entropy/observation.ts";
import { columnsOf } from "../../engine/observation-columns.ts";

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

describe("problemOf (the observation's columns as a Problem)", () => {
  it("builds what ProblemBuilder builds: same elements, capacities, demands, hosts, durations and rooted VMs, for a partition or the whole datacenter", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cores: fc.integer({ min: 1, max: 8 }), online: fc.boolean(), vms: fc.array(fc.record({ cpu: fc.double({ min: 0, max: 2, noNaN: true }), mib: fc.integer({ min: 0, max: 4096 }), migrating: fc.boolean() }), { maxLength: 4 }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 63 }),
        fc.boolean(),
        (spec, mask, stray) => {
          const listed = spec.flatMap((n, i) => n.vms.map((v, j) => ({ name: `n${i}-v${j}`, node: `n${i}`, vcpus: 2, memoryMiB: v.mib, cpuDemand: v.cpu, migrating: v.migrating })));
          const obs: Observation = {
            time: 0,
            nodes: spec.map((n, i) => ({ name: `n${i}`, cores: n.cores, memoryMiB: 8192, online: n.online })),
            // a VM on a node the observation does not list (columnsOf: node -1) is left out, whole datacenter or not
            vms: stray ? [{ name: "stray", node: "gone", vcpus: 1, memoryMiB: 512, cpuDemand: 1, migrating: false }, ...listed] : listed,
          };
          // mask 63 stands for every node (no filter), the scheduler's case
          const wanted = mask === 63 ? null : new Set(obs.nodes.filter((_, i) => (mask >> i) & 1).map((n) => n.name));
          const b = new ProblemBuilder();
          for (const n of obs.nodes) if (wanted === null || wanted.has(n.name)) b.node(n.name, { online: n.online, capacity: { cpu: n.cores, mem: n.memoryMiB } });
          for (const v of obs.vms) if (b.hasNode(v.node)) b.vm(v.name, { host: v.node, demand: { cpu: v.cpuDemand, mem: v.memoryMiB } });
          for (const v of obs.vms) if (v.migrating && b.hasVm(v.name)) b.constrain(new Root(b.vmIndex(v.name)));
          if (wanted?.size === 0) return;
          const expected = b.build();
          const got = problemOf(columnsOf(obs), wanted);
          const { constraints: ec, ...e } = expected;
          const { constraints: gc, ...g } = got;
          expect(g).toEqual(e);
          expect(gc.map((c) => (c as Root).vm)).toEqual(ec.map((c) => (c as Root).vm));
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });
});
