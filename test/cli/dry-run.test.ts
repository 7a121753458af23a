import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, TOY_WORKFLOW } from "../engine/cli-helpers.ts";
import { expectUsageError } from "./usage.ts";

const results = (): string => mkdtempSync(join(tmpdir(), "g5k-dry-"));

describe("g5k-flow run --dry-run", () => {
  it("lists the headline's sweep points with the nodes, VMs and walltime each asks, resolving the g5k testbed's options, archiving nothing", async () => {
    const dir = results();
    const result = await cli(["run", "workflows/dvms-vs-entropy.ts", "--dry-run", "--testbed", "g5k", "--testbed-opt", "sites=rennes", "--param", "scales=100,300", "--param", "duration=10m", "--results", dir]);
    expect(result.exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("dry run of dvms-vs-entropy (workflows/dvms-vs-entropy.ts): nothing reserved, no archive");
    expect(lines[1]).toBe("testbed  g5k  options sites=rennes  seed 1");
    expect(lines).toContain("sweep    compare: 6 points");
    const rows = lines.filter((l) => l.startsWith("compare[")).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r.slice(0, 4))).toEqual(
      [100, 300].flatMap((scale) => ["entropy", "dvms", "none"].map((s) => [`compare[scale=${scale},scheduler=${s},repeat=0]`, String(scale), String(scale * 8), "1h10m"])),
    );
    expect(rows[1][4]).toBe("reserve, deploy, bootVms, stress, schedule:dvms (10m00s), collect");
    // 3 × 100 + 3 × 300 nodes for 70 minutes each
    expect(lines.at(-1)).toBe("total: 36 steps, 6 reservations, at most 300 nodes at once, 1400 node-hours of walltime asked, 9600 VMs booted");
  });

  it("walks a workflow whose loops depend on step outputs (live-migration) and prints the plan as JSON", async () => {
    const result = await cli(["run", "workflows/live-migration.ts", "--dry-run", "--json", "--param", "ks=1,3", "--param", "repeats=2"]);
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.testbed).toEqual({ kind: "sim", options: {} });
    const steps: { step: string; asks: Record<string, unknown> }[] = plan.steps;
    expect(steps[0]).toEqual({ step: "reserve", asks: { nodes: 4, cores: null, memoryMiB: null, walltime: 3600 } });
    expect(steps.find((s) => s.step === "bootVms")?.asks).toMatchObject({ vms: 8, perNode: 2, memoryMiB: 256 });
    expect(steps.filter((s) => s.step.startsWith("migrate"))).toHaveLength(2 * (1 + 3));
    // every planned migration moves a VM to another node than the one it is on
    const moves = steps.filter((s) => s.step.startsWith("migrate")).map((s) => s.asks);
    expect(new Set(moves.map((m) => m.vm)).size).toBeGreaterThan(1);
  });

  it.each([
    ["an unknown param", ["--param", "colour=red"], /^g5k-flow: unknown param 'colour'/],
    ["a param out of range", ["--param", "nodes=0"], /^g5k-flow: param 'nodes': /],
    ["an unknown testbed", ["--testbed", "nope"], /^g5k-flow: unknown testbed 'nope'/],
    ["a workflow that throws on the plan", ["--param", "mode=throw"], /^g5k-flow: dry run: the workflow threw after step schedule:none: workflow asked to throw$/],
  ])("answers %s with one line and exit 2, archiving nothing", async (_what, extra, message) => {
    const dir = results();
    expectUsageError(await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--dry-run", "--results", dir, ...extra]), message);
    expect(readdirSync(dir)).toEqual([]);
  });
});
