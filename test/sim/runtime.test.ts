import { describe, expect, it } from "vitest";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { columnsOf } from "../../engine/observation-columns.ts";

describe("sim ClusterRuntime", () => {
  it("names nodes and VMs zero-padded so name order is index order", () => {
    const c = createSimCluster({ seed: 1, nodes: 12, vmsPerNode: 1 });
    const names = c.runtime.observe().nodes.map((n) => n.name);
    expect(names[0]).toBe("pm-0000");
    expect(names[11]).toBe("pm-0011");
    expect([...names].sort()).toEqual(names);
    const big = createSimCluster({ seed: 1, nodes: 12000, vmsPerNode: 0 });
    expect(big.runtime.observe(["pm-11999"]).nodes[0].name).toBe("pm-11999");
  });

  it("knows exactly its own names: other widths, non-digits and indices past the count are unknown", () => {
    const c = createSimCluster({ seed: 1, nodes: 12, vmsPerNode: 2 });
    expect(c.runtime.observe(["pm-0011"]).vms.map((v) => v.name)).toEqual(["vm-00022", "vm-00023"]);
    for (const bad of ["pm-0012", "pm-011", "pm-00011", "pm-00a1", "pm-+011", "vm-0001", ""]) {
      expect(() => c.runtime.observe([bad]), bad).toThrow(`unknown node '${bad}'`);
    }
    expect(() => c.setVmLoad("vm-00024", 0.5)).toThrow("unknown VM 'vm-00024'");
    expect(() => c.setVmLoad("vm-0023", 0.5)).toThrow("unknown VM 'vm-0023'");
    expect([...c.placement()].slice(-2)).toEqual([["vm-00022", "pm-0011"], ["vm-00023", "pm-0011"]]);
  });

  it("an observation read after the simulation moved on still shows the state at the call", () => {
    const c = createSimCluster({ seed: 1, nodes: 3, vmsPerNode: 2, cores: 1 });
    c.setVmLoad("vm-00000", 0.75);
    c.setVmLoad("vm-00001", 0.75);
    const one = c.runtime.observe(["pm-0000"]);
    const two = c.runtime.observe(["pm-0002", "pm-0000"]);
    c.setVmLoad("vm-00000", 0.25);
    c.setVmLoad("vm-00004", 1);
    c.run(10);
    // 1.5 cores demanded on 1 core: each VM obtained half of it at the call
    expect(one.vms.map((v) => [v.name, v.cpuDemand, v.cpuUse])).toEqual([["vm-00000", 0.75, 0.5], ["vm-00001", 0.75, 0.5]]);
    expect(two.vms.map((v) => [v.name, v.node, v.cpuDemand])).toEqual([["vm-00000", "pm-0000", 0.75], ["vm-00001", "pm-0000", 0.75], ["vm-00004", "pm-0002", 0], ["vm-00005", "pm-0002", 0]]);
    expect(c.runtime.observe(["pm-0000"]).vms.map((v) => [v.cpuDemand, v.cpuUse])).toEqual([[0.25, 0.25], [0.75, 0.75]]);
  });

  it("observes a subset of nodes with their VMs, ordered by name, migrating VMs on their source", () => {
    const c = createSimCluster({ seed: 1, nodes: 4, vmsPerNode: 2, dirtyIntensity: 0 });
    c.setVmLoad("vm-00005", 0.7);
    c.runtime.migrate("vm-00001", "pm-0002", () => undefined);
    c.runtime.migrate("vm-00004", "pm-0000", () => undefined);
    c.run(1);
    const during = c.runtime.observe(["pm-0002", "pm-0000"]);
    expect(during.nodes.map((n) => n.name)).toEqual(["pm-0000", "pm-0002"]);
    expect(during.vms.map((v) => [v.name, v.node, v.migrating])).toEqual([
      ["vm-00000", "pm-0000", false],
      ["vm-00001", "pm-0000", true],
      ["vm-00004", "pm-0002", true],
      ["vm-00005", "pm-0002", false],
    ]);
    expect(during.vms[3].cpuDemand).toBe(0.7);
    c.run(100);
    const after = c.runtime.observe(["pm-0000", "pm-0002"]);
    expect(after.vms.map((v) => [v.name, v.node])).toEqual([
      ["vm-00000", "pm-0000"],
      ["vm-00001", "pm-0002"],
      ["vm-00004", "pm-0000"],
      ["vm-00005", "pm-0002"],
    ]);
    expect(after.time).toBe(100);
  });

  it("gives as columns what observe() gives, during migrations, crashes and injected load", () => {
    const c = createSimCluster({ seed: 3, nodes: 6, vmsPerNode: 3, cores: 2, load: { kind: "gaussian", mean: 0.6, std: 0.3 } });
    c.runtime.migrate("vm-00001", "pm-0004", () => undefined);
    c.runtime.migrate("vm-00007", "pm-0000", () => undefined);
    c.crashNode("pm-0005");
    for (const t of [0.5, 3, 60]) {
      c.run(t);
      const columns = c.runtime.observeColumns!();
      expect(columns).toEqual(columnsOf(c.runtime.observe()));
      expect(Array.from(columns.vms.migrating).some((m) => m === 1)).toBe(t < 30);
      expect(Array.from(columns.vms.cpuDemand).some((d) => d > 0)).toBe(true);
    }
  });

  it("moves a migrated VM's demand with it when it switches host", () => {
    const c = createSimCluster({ seed: 1, nodes: 2, vmsPerNode: 2, cores: 1, dirtyIntensity: 0 });
    const seen: [string, boolean][] = [];
    c.runtime.onLoadChange((node, over) => seen.push([node, over]));
    c.setVmLoad("vm-00002", 0.6);
    c.setVmLoad("vm-00000", 0.6);
    c.runtime.migrate("vm-00000", "pm-0001", () => undefined);
    c.run(100);
    // pm-0001 becomes overloaded only when the VM arrives (0.6 + 0.6 > 1 core).
    expect(seen).toEqual([["pm-0001", true]]);
    expect(c.metrics().violations[0].start).toBeGreaterThan(8.5);
  });

  it("delivers agent messages after the path latency and drops those to crashed nodes", () => {
    const c = createSimCluster({ seed: 1, nodes: 3, vmsPerNode: 0, latency: 0.01 });
    const got: [string, string, unknown, number][] = [];
    for (const node of ["pm-0000", "pm-0001", "pm-0002"]) {
      c.runtime.network.listen(node, (from, msg) => got.push([node, from, msg, c.runtime.now()]));
    }
    expect(c.runtime.network.latency("pm-0000", "pm-0001")).toBe(0.02);
    expect(c.runtime.network.latency("pm-0001", "pm-0001")).toBe(0);
    c.runtime.network.send("pm-0000", "pm-0001", { hello: 1 });
    c.runtime.network.send("pm-0000", "pm-0002", "lost");
    c.runtime.setTimer(0.015, () => c.crashNode("pm-0002"));
    c.run(1);
    expect(got).toEqual([["pm-0001", "pm-0000", { hello: 1 }, 0.02]]);
    expect(c.metrics().counters).toMatchObject({ messagesSent: 2, messagesDropped: 1 });
    expect(() => c.runtime.network.send("pm-0000", "pm-0009", 1)).toThrow(/unknown node/);
  });

  it("charges compute deterministically from work units, ignoring measured time", () => {
    const c = createSimCluster({ seed: 1, nodes: 1, vmsPerNode: 0, computeCost: 2e-6 });
    expect(c.runtime.computeDelay(1_000_000, 123)).toBeCloseTo(2, 12);
    expect(c.runtime.computeDelay(500, 0.5)).toBeCloseTo(0.001, 12);
    expect(c.metrics().counters.computeSeconds).toBeCloseTo(2.001, 12);
  });

  it("rejects bad specs as usage errors", () => {
    expect(() => createSimCluster({ seed: 1, nodes: 0, vmsPerNode: 1 })).toThrow(/nodes must be a positive integer/);
    expect(() => createSimCluster({ seed: 1, nodes: 1, vmsPerNode: 40 })).toThrow(/do not fit/);
    const c = createSimCluster({ seed: 1, nodes: 1, vmsPerNode: 1 });
    expect(() => c.setVmLoad("vm-00000", -1)).toThrow(/must be between 0 and its 1 vCPUs/);
  });
});
