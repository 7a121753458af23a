import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli-helpers.ts";

const SWEEP = ["run", "workflows/dvms-vs-entropy.ts", "--param", "scales=60,120", "--param", "duration=10m", "--seed", "5", "--json"];

describe("run --workers local:N", { timeout: 300_000 }, () => {
  it("runs every point exactly once over worker processes, with the summary of one process", async () => {
    const one = await cli([...SWEEP, "--results", mkdtempSync(join(tmpdir(), "g5k-workers-single-"))]);
    expect(one.exitCode, one.stderr).toBe(0);
    const results = mkdtempSync(join(tmpdir(), "g5k-workers-local-"));
    const spread = await cli([...SWEEP, "--workers", "local:2", "--results", results]);
    expect(spread.exitCode, spread.stderr).toBe(0);
    expect(JSON.parse(spread.stdout).summary).toEqual(JSON.parse(one.stdout).summary);
    const dir = join(results, readdirSync(results)[0]!);
    const events = readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { event: string; point?: string; status?: string });
    const done = events.filter((e) => e.event === "point-end" && e.status === "done").map((e) => e.point);
    expect(done).toHaveLength(6);
    expect(new Set(done).size).toBe(6);
    expect(events.filter((e) => e.event === "worker-start")).toHaveLength(2);
    expect(spread.stderr).toMatch(/workers \(local:2\)/);
  });

  it("answers a bad --workers with one line and exit 2", async () => {
    const r = await cli([...SWEEP, "--workers", "cluster:3", "--results", mkdtempSync(join(tmpdir(), "g5k-workers-bad-"))]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe("g5k-flow: --workers must be local:N or oar:N with N in 1..64, got 'cluster:3'");
  });
});
