import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { list } from "tar";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, cli, TOY_TESTBED, TOY_WORKFLOW } from "../engine/cli-helpers.ts";
import { expectUsageError } from "./usage.ts";

let run: string;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "g5k-pack-test-"));
  const results = join(work, "results");
  expect((await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=2", "--seed", "5", "--results", results, "--json"])).exitCode).toBe(0);
  run = join(results, readdirSync(results)[0]);
}, 120_000);

async function entries(file: string): Promise<string[]> {
  const paths: string[] = [];
  await list({ file, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

describe("g5k-flow pack and rerun <artifact>", () => {
  it("packs the archive, lockfile, engine version, README and RO-Crate metadata into one file", async () => {
    const out = join(work, "toy.tar.gz");
    const result = await cli(["pack", run, "--out", out]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    const id = run.split("/").at(-1)!;
    const paths = await entries(out);
    for (const p of ["README.md", "engine.json", "package-lock.json", "ro-crate-metadata.json", "run/manifest.json", "run/workflow.mts", "run/summary.json", "run/journal.jsonl", "run/metrics/squares.csv"]) {
      expect(paths).toContain(`${id}/${p}`);
    }
    const unpacked = mkdtempSync(join(tmpdir(), "g5k-pack-x-"));
    await execa("tar", ["xzf", out, "-C", unpacked]);
    const top = join(unpacked, id);
    expect(readFileSync(join(top, "README.md"), "utf8")).toContain("npx g5k-flow rerun toy.tar.gz");
    const engine = JSON.parse(readFileSync(join(top, "engine.json"), "utf8"));
    expect(engine.run).toEqual(JSON.parse(readFileSync(join(run, "manifest.json"), "utf8")).engine);

    // RO-Crate 1.1: the metadata descriptor, a root Dataset, every data entity a file in the crate
    const crate = JSON.parse(readFileSync(join(top, "ro-crate-metadata.json"), "utf8"));
    expect(crate["@context"]).toBe("https://w3id.org/ro/crate/1.1/context");
    const graph: Record<string, unknown>[] = crate["@graph"];
    const byId = new Map(graph.map((e) => [e["@id"] as string, e]));
    expect(byId.get("ro-crate-metadata.json")).toMatchObject({ "@type": "CreativeWork", conformsTo: { "@id": "https://w3id.org/ro/crate/1.1" }, about: { "@id": "./" } });
    const root = byId.get("./")!;
    expect(root).toMatchObject({ "@type": "Dataset", mainEntity: { "@id": "run/workflow.mts" } });
    expect(typeof root.datePublished).toBe("string");
    const files = graph.filter((e) => e["@type"] === "File" || (Array.isArray(e["@type"]) && e["@type"].includes("File")));
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) expect(existsSync(join(top, f["@id"] as string))).toBe(true);
    expect(byId.get("run/workflow.mts")!["@type"]).toContain("ComputationalWorkflow");
    const action = graph.find((e) => e["@type"] === "CreateAction")!;
    expect(action).toMatchObject({ instrument: { "@id": "run/workflow.mts" }, actionStatus: { "@id": "http://schema.org/CompletedActionStatus" } });
    expect(action.result).toContainEqual({ "@id": "run/summary.json" });
    expect(byId.get("#param-nodes")).toMatchObject({ "@type": "PropertyValue", name: "nodes", value: "2" });
  });

  it("reruns an artifact from another folder and finds the same summary", async () => {
    const out = join(work, "again.tar.gz");
    expect((await cli(["pack", run, "--out", out])).exitCode).toBe(0);
    const elsewhere = mkdtempSync(join(tmpdir(), "g5k-elsewhere-"));
    cpSync(out, join(elsewhere, "again.tar.gz"));
    const result = await execa("node", [BIN, "rerun", "again.tar.gz", "--json"], { cwd: elsewhere, reject: false, env: { CI: "1", G5K_FLOW_PLUGINS: TOY_TESTBED } });
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ identical: true, differences: [], engineDifference: null });
    expect(printed.rerun.startsWith("results/")).toBe(true);
    expect(JSON.parse(readFileSync(join(elsewhere, printed.rerun, "manifest.json"), "utf8")).seed).toBe(5);
  });

  it("says in one line when the run was made by another engine version and lockfile", async () => {
    const copy = join(mkdtempSync(join(tmpdir(), "g5k-old-")), "old-run");
    cpSync(run, copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, "manifest.json"), "utf8"));
    writeFileSync(join(copy, "manifest.json"), JSON.stringify({ ...manifest, engine: { ...manifest.engine, version: "0.0.1", lockfileSha256: "ab".repeat(32) } }));
    const result = await cli(["rerun", copy, "--json"]);
    expect(result.exitCode).toBe(0);
    const notes = result.stderr.split("\n").filter((l) => l.startsWith("g5k-flow: note:"));
    expect(notes).toEqual([expect.stringMatching(/^g5k-flow: note: engine version and lockfile differ from the run's: archived engine 0\.0\.1, lockfile abababababab; this checkout engine \S+, lockfile [0-9a-f]{12} /)]);
    expect(JSON.parse(result.stdout).engineDifference).toMatch(/^engine version and lockfile differ/);
  });

  it.each([
    ["pack of a missing run", () => ["pack", join(work, "nope")], /^g5k-flow: no such run directory: /],
    ["pack of a folder that is no run", () => ["pack", work], /^g5k-flow: not a g5k-flow run archive: .*manifest\.json missing$/],
    ["rerun of a file that is no artifact", () => ["rerun", join(run, "summary.json")], /^g5k-flow: .*summary\.json is not a g5k-flow artifact/],
    ["rerun of nothing there", () => ["rerun", join(work, "nope.tar.gz")], /^g5k-flow: no such run directory or artifact: /],
  ])("answers %s with one line and exit 2", async (_what, args, message) => {
    expectUsageError(await cli(args()), message);
  });
});
