import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hardInstance, INFEASIBLE_KINDS, parseInstance, solve } from "../../plugins/entropy/index.ts";
import { cli } from "../engine/cli-helpers.ts";
import { solveAndCheck, tinyInstance } from "./fixtures.ts";
import { checkPlan } from "./plan-checker.ts";

const dir = mkdtempSync(join(tmpdir(), "entropy-hard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("generated hard instances", () => {
  it("200 solvable ones: the witness and the solver's plan both pass the independent checker", { timeout: 300_000 }, () => {
    let moved = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const g = hardInstance({ nodes: 6 + (seed % 19), seed });
      expect(g.infeasible).toBeNull();
      expect(checkPlan(g.instance, g.witness!), `witness of seed ${seed}`).toEqual([]);
      const r = solveAndCheck(g.instance, 10);
      expect([`${seed} solved`, `${seed} unchanged`]).toContain(`${seed} ${r.status}`);
      expect(r.errors, `plan of seed ${seed}`).toEqual([]);
      moved += r.plan!.actions.filter((a) => a.action === "migrate").length;
    }
    // They are repairs, not no-ops.
    expect(moved).toBeGreaterThan(400);
  });

  it("the generator is seeded: same seed, same instance", () => {
    expect(JSON.stringify(hardInstance({ nodes: 20, seed: 7 }))).toBe(JSON.stringify(hardInstance({ nodes: 20, seed: 7 })));
    expect(JSON.stringify(hardInstance({ nodes: 20, seed: 7 }))).not.toBe(JSON.stringify(hardInstance({ nodes: 20, seed: 8 })));
  });

  it("infeasible ones: no-solution, the reason names the resource or constraint that breaks it", { timeout: 120_000 }, () => {
    for (const kind of INFEASIBLE_KINDS) {
      for (let seed = 1; seed <= 8; seed++) {
        const g = hardInstance({ nodes: 8 + seed, seed, infeasible: kind });
        const r = solveAndCheck(g.instance, 10);
        expect(`${kind} ${seed} ${r.status}`).toBe(`${kind} ${seed} no-solution`);
        expect(r.reasons[0]).toContain(g.infeasible!.names);
      }
    }
  });

  it("g5k-flow solve exits 1 with one line naming the reason; --json still prints the stats", { timeout: 300_000 }, async () => {
    // Two kinds through the real CLI (each spawn costs seconds); the solver's reasons for all kinds are checked above.
    for (const kind of ["capacity", "spread"] as const) {
      const g = hardInstance({ nodes: 12, seed: 3, infeasible: kind });
      const file = join(dir, `${kind}.json`);
      writeFileSync(file, JSON.stringify(g.instance));
      const r = await cli(["solve", file, "--json", "--time-limit", "20"]);
      expect(r.exitCode).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^g5k-flow solve: no-solution: no plan exists: /);
      expect(lines[0]).toContain(g.infeasible!.names);
      expect(JSON.parse(r.stdout).status).toBe("no-solution");
    }
    const ok = hardInstance({ nodes: 12, seed: 3 });
    const file = join(dir, "ok.json");
    writeFileSync(file, JSON.stringify(ok.instance));
    const r = await cli(["solve", file, "--time-limit", "20"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("dead ends the first placement walks into", () => {
  it("a migration cycle with no room for a pivot anywhere: another placement is found", () => {
    // a (banned from n1) and b (banned from n2) would swap full nodes: a cycle. n3 and n4 have 1 CPU
    // free, no pivot for a 2-CPU VM. Moving z to n4 first lets a or b into n3, then the other follows.
    const instance = tinyInstance(
      { n1: { cpu: 4, mem: 8 }, n2: { cpu: 4, mem: 8 }, n3: { cpu: 4, mem: 8 }, n4: { cpu: 4, mem: 8 } },
      {
        a: { node: "n1", cpu: 2 },
        x: { node: "n1", cpu: 2 },
        b: { node: "n2", cpu: 2 },
        y: { node: "n2", cpu: 2 },
        c: { node: "n3", cpu: 2 },
        z: { node: "n3", cpu: 1 },
        w: { node: "n4", cpu: 3 },
      },
      [
        { id: "ban", vms: ["a"], nodes: ["n1"] },
        { id: "ban", vms: ["b"], nodes: ["n2"] },
      ],
    );
    const r = solveAndCheck(instance);
    expect(r.status).toBe("solved");
    expect(r.errors).toEqual([]);
    const where = (vm: string) => Object.entries(r.plan!.mapping).find(([, vs]) => vs.includes(vm))![0];
    // Not the swap: one of a, b lands on n3 once z has made room there by moving to n4.
    expect([where("a"), where("b")]).toContain("n3");
    expect(where("z")).toBe("n4");
    // The first placement was the swap; a revision found this one.
    expect(solve(parseInstance(instance), { timeLimitSeconds: 20 }).attempts).toBeGreaterThan(1);
    const legs = r.plan!.actions.filter((a) => a.action === "migrate").map((a) => a.vm);
    expect(new Set(legs).size).toBe(legs.length); // no pivot leg
  });
});
