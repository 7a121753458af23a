import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { entropySolver } from "../../plugins/entropy/index.ts";
import { DATA, readJsonGz } from "./fixtures.ts";
import { checkPlan } from "./plan-checker.ts";

const dir = mkdtempSync(join(tmpdir(), "entropy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shared BtrPlace instances", () => {
  for (const name of ["issue-100", "li3", "li4", "li5", "li6", "nr3", "nr4", "nr5", "nr6"]) {
    it(`${name}: solved to a plan the independent checker accepts`, { timeout: 60_000 }, async () => {
      const path = join(DATA, `${name}.json.gz`);
      const out = join(dir, `${name}.plan.json`);
      const stats = await entropySolver.solveInstanceFile(path, { timeLimitSeconds: 20, out });
      expect(stats.status).toBe("solved");
      const instance = readJsonGz(path);
      const plan = JSON.parse(readFileSync(out, "utf8"));
      expect(checkPlan(instance, plan)).toEqual([]);
      expect(stats.migrations).toBe(plan.actions.filter((a: { action: string }) => a.action === "migrate").length);
      expect(stats.managedVms).toBeGreaterThan(0);
      // Repair mode: VMs the solver did not manage keep their host.
      expect(stats.managedVms).toBeLessThan(stats.vms / 4);
    });
  }
});
