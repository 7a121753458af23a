import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../engine/cli-helpers.ts";
import { expectUsageError } from "./usage.ts";

describe("g5k-flow describe and run <workflow> --help", () => {
  it("lists the workflow's params with type, default, bounds and description", async () => {
    const result = await cli(["describe", "workflows/dvms-vs-entropy.ts"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("workflow dvms-vs-entropy (workflows/dvms-vs-entropy.ts)");
    expect(result.stdout).toContain("DVMS vs Entropy vs no scheduler");
    const row = (name: string): string[] => result.stdout.split("\n").find((l) => l.trim().startsWith(`${name} `))!.trim().split(/\s{2,}/);
    expect(row("scales")).toEqual(["scales", "list<int>", "500,1000,2000,4000", expect.stringMatching(/^4\.\.\d+$/), "PM counts to compare at (10000 reaches the papers' 10K PMs / 80K VMs)"]);
    expect(row("memoryMiB")).toEqual(["memoryMiB", "int", "32768", ">= 1024", "memory per physical machine, MiB"]);
    expect(row("duration")).toEqual(["duration", "duration", "1800s", ">= 1", "simulated (or wall) time each scheduler runs"]);
  });

  it("prints the same params as JSON, matching what a run resolves", async () => {
    const result = await cli(["describe", "workflows/live-migration.ts", "--json"]);
    expect(result.exitCode).toBe(0);
    const described = JSON.parse(result.stdout);
    expect(described.name).toBe("live-migration");
    expect(described.params.find((p: { name: string }) => p.name === "ks")).toEqual({ name: "ks", type: "list<int>", default: [1, 2, 4], min: 1, max: 1000, description: "numbers of simultaneous migrations" });
  });

  it("answers run <workflow> --help with the run options and the workflow's params, running nothing", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-help-"));
    const result = await cli(["run", "workflows/dvms-vs-entropy.ts", "--help", "--results", results]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: g5k-flow run \[options\] <workflow>/);
    expect(result.stdout).toContain("--testbed-opt <key=value>");
    expect(result.stdout).toMatch(/^ +schedulers +list<choice\(dvms\|entropy\|none\)> +entropy,dvms,none/m);
    expect((await import("node:fs")).readdirSync(results)).toEqual([]);
  });

  it.each([
    ["a missing workflow", ["describe", "workflows/nope.ts"], /^g5k-flow: workflow not found: workflows\/nope\.ts$/],
    ["a file that is no workflow", ["describe", "package.json"], /^g5k-flow: workflow package\.json /],
    ["no workflow at all", ["describe"], /missing required argument 'workflow'/],
    ["run --help on a missing workflow", ["run", "nope.ts", "--help"], /^g5k-flow: workflow not found: nope\.ts$/],
  ])("answers %s with one line and exit 2", async (_what, args, message) => {
    expectUsageError(await cli(args), message);
  });
});
