import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterRuntime, Observation } from "../../engine/cluster.ts";
import { partitionSolver, resolveOptions as dvmsOptions } from "../../plugins/dvms/index.ts";
import { hardInstance, loadExactSolver, parseInstance, planToJson, solve } from "../../plugins/entropy/index.ts";
import { cli } from "../engine/cli-helpers.ts";
import { tinyInstance } from "./fixtures.ts";
import { checkPlan } from "./plan-checker.ts";

const dir = mkdtempSync(join(tmpdir(), "entropy-exact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadExactSolver(), 60_000);

/** Summed duration of the migrations a plan ends with (each VM counted once): the MIP's objective for that placement. */
const migrationCost = (p: ReturnType<typeof parseInstance>, host: Int32Array): number =>
  p.vms.reduce((s, _, v) => s + (p.vmStatus[v] === "running" && host[v] >= 0 && host[v] !== p.host[v] ? p.durations.migrate[v] : 0), 0);

describe("exact mode", () => {
  it("small generated repairs: optimal, never worse than the heuristic, plans the checker accepts", { timeout: 240_000 }, () => {
    for (let seed = 1; seed <= 5; seed++) {
      const g = hardInstance({ nodes: 8 + seed, seed });
      const p = parseInstance(g.instance);
      const h = solve(p, { timeLimitSeconds: 5 });
      const e = solve(p, { timeLimitSeconds: 40, solver: "exact" });
      expect(["solved", "unchanged"]).toContain(e.status);
      expect(checkPlan(g.instance, planToJson(e.placement!, e.plan!))).toEqual([]);
      expect(e.exact?.complete).toBe(true);
      expect(e.exact?.optimal).toBe(true);
      // The optimum bounds every valid placement's migration cost, the heuristic's included.
      expect(e.exact!.objective!).toBeLessThanOrEqual(migrationCost(p, h.placement!.host) + 1e-6);
      expect(e.plan!.cost).toBeLessThanOrEqual(h.plan!.cost + 1e-9);
    }
  });

  it("proves a packing infeasible that no bound of the heuristic catches", { timeout: 60_000 }, () => {
    // 12 CPUs of demand on 12 CPUs of capacity, each VM fits alone and d can move, but the three
    // 3-CPU VMs need a node each and leave 1 CPU per node: b (2 CPUs) fits nowhere.
    const node = { cpu: 4, mem: 8 };
    const instance = tinyInstance(
      { n1: node, n2: node, n3: node },
      { a: { node: "n1", cpu: 3 }, b: { node: "n1", cpu: 2 }, c: { node: "n2", cpu: 3 }, d: { node: "n2", cpu: 1 }, e: { node: "n3", cpu: 3 } },
    );
    const h = solve(parseInstance(instance), { timeLimitSeconds: 0.5 });
    expect(h.status).toBe("timeout");
    expect(h.reasons[0]).toMatch(/^time limit reached/);
    const e = solve(parseInstance(instance), { timeLimitSeconds: 10, solver: "exact" });
    expect(e.status).toBe("no-solution");
    expect(e.reasons[0]).toMatch(/exact model is infeasible/);
  });

  it("g5k-flow solve --exact prints the MIP's report", { timeout: 120_000 }, async () => {
    const file = join(dir, "small.json");
    writeFileSync(file, JSON.stringify(hardInstance({ nodes: 8, seed: 4 }).instance));
    const r = await cli(["solve", file, "--exact", "--json", "--time-limit", "30"]);
    expect(r.exitCode).toBe(0);
    const stats = JSON.parse(r.stdout);
    expect(stats.status).toBe("solved");
    expect(stats.exact.optimal).toBe(true);
    expect(stats.exact.variables).toBeGreaterThan(0);
  });

  it("DVMS can solve its partitions with it", () => {
    expect(dvmsOptions({ solver: "exact" }).solver).toBe("exact");
    expect(() => dvmsOptions({ solver: "cp" })).toThrow(/solver/);
    const obs: Observation = {
      time: 0,
      nodes: ["a", "b", "c"].map((name) => ({ name, cores: 4, memoryMiB: 8192, online: true })),
      vms: [
        { name: "v1", node: "a", vcpus: 1, memoryMiB: 1024, cpuDemand: 3, migrating: false },
        { name: "v2", node: "a", vcpus: 1, memoryMiB: 2048, cpuDemand: 2, migrating: false },
        { name: "v3", node: "b", vcpus: 1, memoryMiB: 1024, cpuDemand: 3, migrating: false },
      ],
    };
    const wall = { clock: "wall" } as ClusterRuntime;
    const plan = partitionSolver("exact")(obs, ["a", "b", "c"], 5, wall);
    expect(plan.status).toBe("solved");
    // Optimal: the cheaper VM (less memory) moves, to the empty node.
    expect(plan.actions.map((m) => [m.vm, m.to])).toEqual([["v1", "c"]]);
  });
});
