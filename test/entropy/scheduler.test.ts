import { describe, expect, it } from "vitest";
import { entropyScheduler } from "../../plugins/entropy/index.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";

function overloaded() {
  // 6 nodes of 2 cores, 3 one-vCPU VMs each: pm-0000's VMs at full load need 3 cores.
  const sim = createSimCluster({ seed: 7, nodes: 6, cores: 2, vmsPerNode: 3, vmVcpus: 1, vmMemoryMiB: 1024, dirtyIntensity: 0.1 });
  for (const vm of ["vm-00000", "vm-00001", "vm-00002"]) sim.setVmLoad(vm, 1);
  for (const vm of ["vm-00003", "vm-00004", "vm-00005"]) sim.setVmLoad(vm, 0.5);
  return sim;
}

function demandOn(sim: ReturnType<typeof createSimCluster>, node: string): number {
  const obs = sim.runtime.observe();
  return obs.vms.filter((v) => v.node === node).reduce((s, v) => s + v.cpuDemand, 0);
}

describe("entropy scheduler on the simulated testbed", () => {
  it("solves a scripted overload, charging compute time before migrating", () => {
    const sim = overloaded();
    expect(demandOn(sim, "pm-0000")).toBeGreaterThan(2);
    const scheduler = entropyScheduler.create(sim.runtime, { period: 30 });
    scheduler.start();
    sim.run(100);
    scheduler.stop();
    const report = scheduler.report();
    expect(demandOn(sim, "pm-0000")).toBeLessThanOrEqual(2);
    for (const node of ["pm-0001", "pm-0002", "pm-0003", "pm-0004", "pm-0005"]) expect(demandOn(sim, node)).toBeLessThanOrEqual(2);
    expect(report.scheduler).toBe("entropy");
    expect(report.decisions).toBe(4); // t = 0, 30, 60, 90
    const rows = report.tables.entropy;
    expect(rows[0]).toMatchObject({ start: 0, status: "solved", migrations: 1 });
    expect(rows.slice(1).every((r) => r.status === "unchanged")).toBe(true);
    expect(report.migrations).toHaveLength(1);
    const [m] = report.migrations;
    expect(m.outcome).toBe("ok");
    expect(m.from).toBe("pm-0000");
    expect(report.computeSeconds).toBeGreaterThan(0);
    expect(m.start).toBeCloseTo(rows[0].computeSeconds as number, 9);
    expect(sim.placement().get(m.vm)).toBe(m.to);
  });

  it("is deterministic: same seed, same report", () => {
    const run = () => {
      const sim = overloaded();
      const s = entropyScheduler.create(sim.runtime, { period: 10 });
      s.start();
      sim.run(60);
      s.stop();
      const { tables, migrations, computeSeconds } = s.report();
      return { rows: tables.entropy.map(({ measuredSeconds: _, ...rest }) => rest), migrations, computeSeconds };
    };
    expect(run()).toEqual(run());
  });

  it("rejects a non-positive period", () => {
    const sim = overloaded();
    expect(() => entropyScheduler.create(sim.runtime, { period: 0 })).toThrow(/period must be > 0/);
  });
});
