import { describe, expect, it } from "vitest";
import { createSimCluster } from "../../plugins/sim/index.ts";

describe("ClusterRuntime.nodeNames on sim", () => {
  it("lists the nodes of observe(), in its order, with crashed nodes too", () => {
    const sim = createSimCluster({ seed: 2, nodes: 37, cores: 4, vmsPerNode: 3 });
    sim.crashNode(sim.runtime.observe().nodes[5].name);
    sim.run(1);
    const names = sim.runtime.nodeNames?.();
    expect(names).toEqual(sim.runtime.observe().nodes.map((n) => n.name));
    expect(new Set(names).size).toBe(37);
  });
});
