import { describe, expect, it } from "vitest";
import type { ClusterRuntime } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { entropyScheduler } from "../../plugins/entropy/index.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";

const COMPUTE_COST = 3e-6; // the simulator's default seconds per work unit

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

  it("is deterministic: same seed, same report, with no wall-clock field in its table", () => {
    const run = () => {
      const sim = overloaded();
      const s = entropyScheduler.create(sim.runtime, { period: 10 });
      s.start();
      sim.run(60);
      s.stop();
      return s.report();
    };
    const report = run();
    expect(run()).toEqual(report);
    for (const row of report.tables.entropy) {
      expect(Object.keys(row)).toEqual(["start", "computeSeconds", "work", "managedVms", "migrations", "status"]);
      expect(row.computeSeconds).toBeCloseTo((row.work as number) * COMPUTE_COST, 12);
    }
  });

  it("bounds a simulated solve by work, not by the machine's wall clock", () => {
    const first = (timeLimit: number, clock: ClusterRuntime["clock"] = "simulated") => {
      const sim = overloaded();
      const s = entropyScheduler.create({ ...sim.runtime, clock }, { period: 30, timeLimit });
      s.start();
      sim.run(1);
      s.stop();
      return s.report().tables.entropy[0];
    };
    const full = first(10);
    expect(full.status).toBe("solved");
    // A time limit worth fewer work units than the solve needs stops it, on every run alike.
    const cut = first(((full.work as number) / 4) * COMPUTE_COST);
    expect(cut).toMatchObject({ status: "timeout", migrations: 0 });
    expect(first(((full.work as number) / 4) * COMPUTE_COST)).toEqual(cut);
    // The same limit on a wall clock is ample: it is the real time the solve took that counts there, and is reported.
    const wall = first(((full.work as number) / 4) * COMPUTE_COST + 5, "wall");
    expect(wall).toMatchObject({ status: "solved", work: full.work });
    expect(wall.computeSeconds).not.toBeCloseTo((full.work as number) * COMPUTE_COST, 12);
  });

  it("rejects unknown options and bad values with a one-line usage error", () => {
    const sim = overloaded();
    const create = (options: Record<string, unknown>) => () => entropyScheduler.create(sim.runtime, options);
    expect(create({ periode: 10 })).toThrow(UsageError);
    expect(create({ periode: 10 })).toThrow(/^entropy: unknown option 'periode' \(known: period, timeLimit, solver\)$/);
    expect(create({ period: 0 })).toThrow(/^entropy: bad option 'period': must be a number > 0/);
    expect(create({ timeLimit: "soon" })).toThrow(/^entropy: bad option 'timeLimit'/);
    for (const bad of [{ periode: 10 }, { period: -1 }, { timeLimit: "x" }, { period: null }]) {
      expect(create(bad)).toThrow(expect.objectContaining({ message: expect.not.stringContaining("\n") }));
    }
    // CLI values arrive as strings: taken as numbers
    const fromCli = create({ period: "15", timeLimit: "2" })();
    fromCli.start();
    sim.run(50);
    fromCli.stop();
    expect(fromCli.report().tables.entropy.map((r) => r.start)).toEqual([0, 15, 30, 45]);
  });
});
