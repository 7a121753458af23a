import { describe, expect, it } from "vitest";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { slotDemand } from "../../plugins/sim/injector.ts";

describe("VMPlaceS load injector", () => {
  it("rounds loads to 10 % slots, clamped to [0, 100 %], times vCPUs", () => {
    expect(slotDemand(0.64, 1)).toBe(600);
    expect(slotDemand(0.66, 2)).toBe(1400);
    expect(slotDemand(-0.3, 1)).toBe(0);
    expect(slotDemand(1.7, 4)).toBe(4000);
  });

  it("changes loads as a Poisson process of rate nbVMs / loadPeriod around N(mean, std)", () => {
    const nodes = 50;
    const c = createSimCluster({ seed: 7, nodes, vmsPerNode: 8, vmVcpus: 2, load: { kind: "gaussian", mean: 0.6, std: 0.2, loadPeriod: 100 } });
    c.run(1000);
    const m = c.metrics();
    const expected = ((nodes * 8) / 100) * 1000;
    // Poisson count: std = sqrt(expected) ~ 63; allow 4 sigma.
    expect(Math.abs(m.counters.loadChanges - expected)).toBeLessThan(4 * Math.sqrt(expected));
    const vms = c.runtime.observe().vms;
    const shares = vms.map((v) => v.cpuDemand / v.vcpus);
    for (const s of shares) expect(Math.round(s * 10)).toBeCloseTo(s * 10, 9);
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    expect(mean).toBeGreaterThan(0.55);
    expect(mean).toBeLessThan(0.65);
    expect(new Set(shares).size).toBeGreaterThan(4);
  });

  it("constant profile sets every VM's load once and schedules nothing", () => {
    const c = createSimCluster({ seed: 1, nodes: 3, vmsPerNode: 2, vmVcpus: 2, load: { kind: "constant", load: 0.35 } });
    c.run(100);
    expect(c.metrics().counters.events).toBe(0);
    expect(c.runtime.observe().vms.every((v) => v.cpuDemand === 0.7)).toBe(true);
  });

  it("records overload intervals when demand exceeds cores, and tells listeners both ways", () => {
    const c = createSimCluster({ seed: 1, nodes: 2, vmsPerNode: 3, cores: 2 });
    const seen: [string, boolean, number][] = [];
    c.runtime.onLoadChange((node, over) => seen.push([node, over, c.runtime.now()]));
    c.setVmLoad("vm-00000", 1);
    c.setVmLoad("vm-00001", 1);
    c.run(5);
    c.setVmLoad("vm-00002", 0.5);
    c.run(12);
    c.setVmLoad("vm-00001", 0.4);
    c.run(20);
    c.setVmLoad("vm-00001", 1);
    const m = c.metrics();
    expect(seen).toEqual([["pm-0000", true, 5], ["pm-0000", false, 12], ["pm-0000", true, 20]]);
    expect(m.violations).toEqual([{ node: "pm-0000", start: 5, end: 12 }, { node: "pm-0000", start: 20, end: null }]);
    expect(m.counters.violations).toBe(2);
    c.run(23);
    expect(c.metrics().counters.violationSeconds).toBe(7 + 3);
  });

  it("a crashed node stops counting as overloaded", () => {
    const c = createSimCluster({ seed: 1, nodes: 2, vmsPerNode: 3, cores: 2 });
    for (const vm of ["vm-00000", "vm-00001", "vm-00002"]) c.setVmLoad(vm, 1);
    c.run(3);
    c.crashNode("pm-0000");
    c.run(10);
    expect(c.metrics().violations).toEqual([{ node: "pm-0000", start: 0, end: 3 }]);
    expect(c.metrics().counters.crashes).toBe(1);
  });

  it("random crashes happen at the configured mean interval and nodes come back", () => {
    const c = createSimCluster({ seed: 3, nodes: 20, vmsPerNode: 1, crashes: { meanInterval: 10, duration: 5 } });
    c.run(1000);
    const crashes = c.metrics().counters.crashes;
    expect(crashes).toBeGreaterThan(60);
    expect(crashes).toBeLessThanOrEqual(100 + 4 * 10);
    c.run(1000.001);
    const down = c.runtime.observe().nodes.filter((n) => !n.online).length;
    expect(down).toBeLessThan(5);
  });
});
