import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectUsageError } from "../cli/usage.ts";
import { cli, TOY_WORKFLOW } from "./cli-helpers.ts";

const results = (): string => mkdtempSync(join(tmpdir(), "g5k-cli-"));

describe("g5k-flow CLI", () => {
  it("prints help listing the commands", async () => {
    const result = await cli(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const command of ["run", "list", "show", "solve", "testbed"]) expect(result.stdout).toContain(command);
  });

  it("runs a workflow and prints only the summary JSON with --json", async () => {
    const dir = results();
    const result = await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=4", "--json", "--results", dir]);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.status).toBe("ok");
    expect(printed.summary).toEqual({ vms: 8, sumOfSquares: 140 });
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it("takes testbed, seed, params and testbed options from a YAML config, flags winning", async () => {
    const dir = results();
    const result = await cli(["run", TOY_WORKFLOW, "--config", "test/engine/fixtures/config-ok.yaml", "--param", "perNode=2", "--json", "--results", dir]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).summary.vms).toBe(8);
    const manifest = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0], "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ seed: 9, testbed: { kind: "toy", options: { site: "rennes" } }, params: { nodes: 4, perNode: 2 } });
  });

  it("answers a workflow that throws with one line and exit code 2, keeping what it archived", async () => {
    const dir = results();
    const result = await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "mode=throw", "--results", dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^g5k-flow: workflow error: workflow asked to throw \(archive: .*toy-[0-9a-f]{6}\)$/)]);
    expect(result.stdout).toContain("run failed: workflow asked to throw");
    expect(JSON.parse(readFileSync(join(dir, readdirSync(dir)[0], "steps/compute.json"), "utf8"))).toEqual([0, 1, 4, 9, 16, 25]);
    const [run] = readdirSync(dir);
    const manifest = JSON.parse(readFileSync(join(dir, run, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("failed");
    expect(manifest.error).toBe("workflow asked to throw");
  });

  it.each([
    ["an unknown workflow path", ["run", "workflows/nope.ts"], /workflow not found: workflows\/nope\.ts/],
    ["a workflow with a syntax error", ["run", "test/engine/fixtures/syntax-error.ts"], /does not compile: .*syntax-error\.ts:7/],
    ["an unknown param", ["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "colour=red"], /unknown param 'colour'/],
    ["a param of the wrong type", ["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=many"], /param 'nodes'.*expected int/],
    ["a param out of range", ["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=1000"], /param 'nodes'/],
    ["a malformed --param", ["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes"], /expected key=value, got 'nodes'/],
    ["an unknown testbed", ["run", TOY_WORKFLOW, "--testbed", "moon"], /unknown testbed 'moon' \(known: .*toy/],
    ["a bad seed", ["run", TOY_WORKFLOW, "--testbed", "toy", "--seed", "x1"], /--seed must be an integer/],
    ["an unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["a missing run directory", ["show", "/nonexistent/run"], /no such run directory/],
    ["a malformed YAML config", ["run", TOY_WORKFLOW, "--config", "test/engine/fixtures/config-malformed.yaml"], /config test\/engine\/fixtures\/config-malformed\.yaml line \d+: /],
    ["a config with an unknown key", ["run", TOY_WORKFLOW, "--config", "test/engine/fixtures/config-unknown-key.yaml"], /config .*config-unknown-key\.yaml: .*paramz/],
    ["a missing config", ["run", TOY_WORKFLOW, "--config", "nope.yaml"], /config not found: nope\.yaml/],
  ])("answers %s with one line and exit code 2", async (_what, args, message) => {
    const dir = results();
    const result = await cli([...args, ...(args[0] === "run" ? ["--results", dir] : [])]);
    expectUsageError(result, message);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it("answers a plugin module that does not load with one line and exit code 2", async () => {
    expectUsageError(await cli(["list"], { G5K_FLOW_PLUGINS: "plugins/nope.ts" }), /plugin module plugins\/nope\.ts \(G5K_FLOW_PLUGINS\) failed to load: /);
  });

  it("refuses a truncated archive with one line", async () => {
    const dir = results();
    await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--results", dir]);
    const [run] = readdirSync(dir);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, run, "manifest.json"), '{"format": 1, "id": "x"');
    expectUsageError(await cli(["show", join(dir, run)]), /corrupt run archive: .*manifest\.json is not valid JSON/);
  });
});

describe("g5k-flow rerun", () => {
  it("reruns an archived run and says the summaries are identical", async () => {
    const dir = results();
    await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=5", "--results", dir]);
    const [run] = readdirSync(dir);
    const result = await cli(["rerun", join(dir, run), "--json"]);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ identical: true, differences: [] });
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("lists the differences and exits 1 when the summary changed", async () => {
    const dir = results();
    await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--results", dir]);
    const [run] = readdirSync(dir);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, run, "summary.json"), JSON.stringify({ vms: 6, sumOfSquares: 54 }));
    const result = await cli(["rerun", join(dir, run)]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("sumOfSquares: 54 -> 55");
  });

  it("refuses an archive whose source does not match its hash", async () => {
    const dir = results();
    await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--results", dir]);
    const [run] = readdirSync(dir);
    const { appendFileSync } = await import("node:fs");
    appendFileSync(join(dir, run, "workflow.mts"), "\n// edited\n");
    expectUsageError(await cli(["rerun", join(dir, run)]), /does not match the manifest's hash/);
  });
});
