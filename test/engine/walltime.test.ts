import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../engine/archive/run-archive.ts";
import { cli, TOY_WORKFLOW } from "./cli-helpers.ts";

/** Toy time: the workflow waits `wait` seconds as milliseconds; the reservation lasts `walltimeMs`. */
async function run(params: string[], options: string[]) {
  const results = mkdtempSync(join(tmpdir(), "g5k-walltime-"));
  const result = await cli(["run", TOY_WORKFLOW, "--testbed", "toy", ...params.flatMap((p) => ["--param", p]), ...options.flatMap((o) => ["--testbed-opt", o]), "--results", results]);
  const dir = join(results, readdirSync(results)[0]);
  const events = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return { result, dir, events };
}

describe("walltime awareness", () => {
  it("warns before the end, then stops the run in time, leaving it resumable", async () => {
    // 6 s of waiting in a 2 s reservation
    const { result, dir, events } = await run(["wait=100m", "walltime=2"], ["walltimeMs=2000"]);
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/walltime of the toy reservation ends at .*: stopped to keep the archive consistent \(resume to continue\)/);
    const kinds = events.map((e) => e.event);
    expect(kinds.indexOf("walltime-warning")).toBeGreaterThan(-1);
    expect(kinds.indexOf("walltime-end")).toBeGreaterThan(kinds.indexOf("walltime-warning"));
    expect(readManifest(dir)).toMatchObject({ status: "interrupted", error: "interrupted: the reservation's walltime is ending" });
    expect(events.some((e) => e.event === "release")).toBe(true);
  });

  it("extends the walltime where the testbed allows and completes", async () => {
    // 4.5 s of waiting in a 4 s reservation extended once by 4 s: 3.5 s to spare
    // for the steps before the wait, which a loaded machine slows down
    const { result, events } = await run(["wait=75m", "walltime=4", "extensions=1"], ["walltimeMs=4000", "extendable=1"]);
    expect(result.exitCode, `${result.stderr}\n${events.map((e) => JSON.stringify(e).slice(0, 140)).join("\n")}`).toBe(0);
    expect(events.filter((e) => e.event === "walltime-extension")).toEqual([expect.objectContaining({ granted: true })]);
    expect(events.some((e) => e.event === "walltime-end")).toBe(false);
  });
});
