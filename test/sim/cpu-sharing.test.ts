import { describe, expect, it } from "vitest";
import type { MigrationResult } from "../../engine/cluster.ts";
import { createSimCluster, type SimCluster, type SimClusterSpec } from "../../plugins/sim/index.ts";
import { B, L, M, precopy, precopyWith } from "./precopy.ts";

/** Reference setting (B = S = 125 MB/s, L = 100 µs) with few cores per PM, so loads overcommit them. */
function cluster(extra: Partial<SimClusterSpec> & Pick<SimClusterSpec, "cores" | "vmsPerNode">): SimCluster {
  return createSimCluster({ seed: 1, nodes: 6, bandwidth: B, migrationSpeed: B, latency: L / 2, dirtyIntensity: 0, ...extra });
}

function migrateAll(c: SimCluster, moves: [string, string][]): MigrationResult[] {
  const out: MigrationResult[] = [];
  for (const [vm, to] of moves) c.runtime.migrate(vm, to, (r) => out.push(r));
  c.run(c.runtime.now() + 1e5);
  return out;
}

const use = (c: SimCluster, vm: string): number | undefined => c.runtime.observe().vms.find((v) => v.name === vm)?.cpuUse;

describe("CPU sharing on an overcommitted PM (SimGrid's max-min share of the cores)", () => {
  it("reports each VM's obtained share next to its demand", () => {
    // pm-0000: 1 core, VMs at 20 %, 100 %, 100 %: 2.2 cores wanted. Max-min: the 20 % VM is below
    // the equal share (1/3) and gets its 0.2; the other two split the 0.8 left: 0.4 each.
    const c = cluster({ cores: 1, vmsPerNode: 3 });
    c.setVmLoad("vm-00000", 0.2);
    c.setVmLoad("vm-00001", 1);
    c.setVmLoad("vm-00002", 1);
    const vms = c.runtime.observe(["pm-0000"]).vms;
    expect(vms.map((v) => v.cpuDemand)).toEqual([0.2, 1, 1]);
    expect(vms.map((v) => v.cpuUse)).toEqual([0.2, 0.4, 0.4]);
    // Not overcommitted: every VM gets its demand.
    c.setVmLoad("vm-00001", 0.3);
    c.setVmLoad("vm-00002", 0.5);
    expect(c.runtime.observe(["pm-0000"]).vms.map((v) => v.cpuUse)).toEqual([0.2, 0.3, 0.5]);
  });

  it("shares by vCPUs and never gives a VM more than its demand", () => {
    // 3 VMs of 2 vCPUs at 100 % (6 cores) on 4 cores: 4/3 core each; then one drops to 25 % (0.5 core),
    // the other two split 3.5 cores: 1.75 each (below their 2 vCPUs).
    const c = cluster({ cores: 4, vmsPerNode: 3, vmVcpus: 2 });
    for (const vm of ["vm-00000", "vm-00001", "vm-00002"]) c.setVmLoad(vm, 2);
    expect(use(c, "vm-00000")).toBeCloseTo(4 / 3, 12);
    c.setVmLoad("vm-00000", 0.5);
    expect([use(c, "vm-00000"), use(c, "vm-00001"), use(c, "vm-00002")]).toEqual([0.5, 1.75, 1.75]);
  });

  it("4 VMs at 100 %, p = 40 %, on a 1-core PM, migrating at once on one link: 57.253 s, 7 rounds (SimGrid)", () => {
    // Each obtains 1/4 core, so each dirties 0.4 * 0.25 * S = 0.1 * S while the link gives it B/4:
    // the same recurrence as p = 10 % at full CPU. At its nominal demand it would never converge.
    const c = cluster({ cores: 1, vmsPerNode: 4, dirtyIntensity: 0.4 });
    const moves: [string, string][] = [];
    for (let i = 0; i < 4; i++) {
      c.setVmLoad(`vm-0000${i}`, 1);
      moves.push([`vm-0000${i}`, `pm-000${i + 1}`]);
    }
    const expected = precopy(0.4, 0.25, 4);
    expect(expected.rounds).toBe(7);
    expect(precopy(0.4, 1, 4).converged).toBe(false);
    const results = migrateAll(c, moves);
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(r.outcome).toBe("ok");
      expect(r.rounds).toBe(7);
      expect(r.end - r.start).toBeCloseTo(expected.total, 6);
      expect(r.end - r.start).toBeCloseTo(57.253, 3);
      expect(r.downtime).toBeCloseTo(expected.downtime, 9);
    }
  });

  it("2 VMs at 100 % on 1 core, one migrating (p = 20 %): it dirties at half its nominal rate", () => {
    const c = cluster({ cores: 1, vmsPerNode: 2, dirtyIntensity: 0.2 });
    c.setVmLoad("vm-00000", 1);
    c.setVmLoad("vm-00001", 1);
    const [r] = migrateAll(c, [["vm-00000", "pm-0001"]]);
    const expected = precopy(0.2, 0.5, 1);
    const nominal = precopy(0.2, 1, 1);
    expect(expected.total).toBeLessThan(nominal.total);
    expect(r.outcome).toBe("ok");
    expect(r.rounds).toBe(expected.rounds);
    expect(r.end - r.start).toBeCloseTo(expected.total, 9);
    expect(r.downtime).toBeCloseTo(expected.downtime, 9);
  });

  it("3 VMs at 50 % on 1 core (p = 30 %): each obtains 1/3 core, so dirties 0.3 * S / 3", () => {
    const c = cluster({ cores: 1, vmsPerNode: 3, dirtyIntensity: 0.3 });
    for (const vm of ["vm-00000", "vm-00001", "vm-00002"]) c.setVmLoad(vm, 0.5);
    expect(use(c, "vm-00001")).toBeCloseTo(1 / 3, 12);
    const [r] = migrateAll(c, [["vm-00001", "pm-0002"]]);
    const expected = precopy(0.3, 1 / 3, 1);
    expect(r.rounds).toBe(expected.rounds);
    expect(r.end - r.start).toBeCloseTo(expected.total, 9);
    expect(r.downtime).toBeCloseTo(expected.downtime, 9);
  });

  it("a neighbour's load change mid-migration changes the dirty rate from then on", () => {
    // 1 core, p = 30 %: vm-00000 at 100 % migrates alone (u = 1); at t = 4 s its idle neighbour
    // goes to 100 % and it obtains 0.5 core from then on.
    const c = cluster({ cores: 1, vmsPerNode: 2, dirtyIntensity: 0.3 });
    c.setVmLoad("vm-00000", 1);
    const out: MigrationResult[] = [];
    c.runtime.migrate("vm-00000", "pm-0001", (r) => out.push(r));
    c.run(4);
    expect(use(c, "vm-00000")).toBe(1);
    c.setVmLoad("vm-00001", 1);
    expect(use(c, "vm-00000")).toBe(0.5);
    c.run(1e4);
    // Dirtied over [t0, t1]: 0.3 * B per second before t = 4, half that after.
    const before = (t0: number, t1: number): number => Math.max(0, Math.min(t1, 4) - t0);
    const after = (t0: number, t1: number): number => Math.max(0, t1 - Math.max(t0, 4));
    const expected = precopyWith(B, (t0, t1) => 0.3 * B * (before(t0, t1) + 0.5 * after(t0, t1)));
    expect(out[0].outcome).toBe("ok");
    expect(out[0].rounds).toBe(expected.rounds);
    expect(out[0].end).toBeCloseTo(expected.total, 9);
  });

  it("a VM in stop-and-copy is suspended: its neighbours get its CPU until it leaves", () => {
    // Both at 100 % on 1 core, 0.5 each. vm-00000 is idle in memory (p = 0): stage 1 ends at
    // t1 = L + M/B; it is then suspended while its last (empty) transfer and the acknowledgement
    // run, 2L, and switches host at t1 + 2L.
    const c = cluster({ cores: 1, vmsPerNode: 2 });
    c.setVmLoad("vm-00000", 1);
    c.setVmLoad("vm-00001", 1);
    c.runtime.migrate("vm-00000", "pm-0001", () => undefined);
    const t1 = L + M / B;
    c.run(t1 - L);
    expect([use(c, "vm-00000"), use(c, "vm-00001")]).toEqual([0.5, 0.5]);
    c.run(t1 + L / 2);
    expect([use(c, "vm-00000"), use(c, "vm-00001")]).toEqual([0, 1]);
    c.run(t1 + 3 * L);
    expect(c.placement().get("vm-00000")).toBe("pm-0001");
    expect([use(c, "vm-00000"), use(c, "vm-00001")]).toEqual([1, 1]);
  });
});
