import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../engine/archive/run-archive.ts";
import { cli, ROOT } from "./cli-helpers.ts";

const SWEEP = join(ROOT, "test/engine/fixtures/sweep-workflow.ts");
/** a ∈ 0..size-1, b ∈ {x, y}, minus (0, y): the expected point values. */
const expectedValues = (size: number): number[] =>
  Array.from({ length: size }, (_, a) => [a * 10 + 1, a * 10 + 2]).flat().filter((v) => v !== 2).sort((m, n) => m - n);

function runDir(results: string): string {
  const [run] = readdirSync(results);
  return join(results, run);
}

function journal(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Values of metrics/points.csv, one per row. */
function pointValues(dir: string): number[] {
  const [, ...rows] = readFileSync(join(dir, "metrics/points.csv"), "utf8").trim().split("\n");
  return rows.map((r) => Number(r.split(",")[2])).sort((m, n) => m - n);
}

/** Waits until the only run under `results` has journaled events that satisfy `enough`. */
async function waitForEvents(results: string, enough: (events: Record<string, unknown>[]) => boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const runs = existsSync(results) ? readdirSync(results) : [];
    const file = runs.length === 1 ? join(results, runs[0], "journal.jsonl") : "";
    if (file && existsSync(file) && enough(journal(join(results, runs[0])))) return;
    await sleep(20);
  }
  throw new Error("the awaited journal events did not come in time");
}

const waitForPointsDone = (results: string, n: number): Promise<void> =>
  waitForEvents(results, (events) => events.filter((e) => e.event === "point-end").length >= n);

describe("resume", () => {
  it("skips the steps a failed run completed and reruns the testbed steps", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-resume-steps-"));
    const marker = join(results, "..", `marker-${Date.now()}`);
    writeFileSync(marker, "");
    const first = await cli(["run", join(ROOT, "test/engine/fixtures/toy-workflow.ts"), "--testbed", "toy", "--param", `failMarker=${marker}`, "--results", results]);
    expect(first.exitCode).toBe(2); // the workflow's own code threw
    rmSync(marker);
    const dir = runDir(results);
    const resumed = await cli(["resume", dir, "--json"]);
    expect(resumed.exitCode).toBe(0);
    expect(JSON.parse(resumed.stdout).summary).toEqual({ vms: 6, sumOfSquares: 55 });
    const events = journal(dir);
    const afterResume = events.slice(events.findIndex((e) => e.event === "run-resume"));
    expect(afterResume.filter((e) => e.event === "step-skipped").map((e) => e.step)).toEqual(["compute"]);
    expect(afterResume.filter((e) => e.event === "step-end").map((e) => e.step)).toEqual(["reserve", "deploy", "bootVms", "schedule:none"]);
    expect(readFileSync(join(dir, "metrics/squares.csv"), "utf8").trim().split("\n")).toHaveLength(7);
  });

  it("continues an interrupted sweep: each point done exactly once", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-resume-"));
    const first = cli(["run", SWEEP, "--testbed", "toy", "--param", "size=5", "--param", "delay=150", "--results", results]);
    await waitForPointsDone(results, 3);
    first.kill("SIGINT");
    expect((await first).exitCode).toBe(130);
    const dir = runDir(results);
    expect(readManifest(dir).status).toBe("interrupted");
    const doneBefore = journal(dir).filter((e) => e.event === "point-end" && e.status === "done").length;
    expect(doneBefore).toBeGreaterThanOrEqual(3);

    const status = await cli(["sweep", "status", dir]);
    expect(status.stdout).toMatch(new RegExp(`sweep grid: \\d+ todo, 0 in-progress, ${doneBefore} done, 1 skipped, 0 failed`));

    const resumed = await cli(["resume", dir, "--json"]);
    expect(resumed.exitCode).toBe(0);
    expect(JSON.parse(resumed.stdout).summary).toEqual({ done: 9, failed: 0, total: expectedValues(5).reduce((a, b) => a + b, 0) });
    expect(pointValues(dir)).toEqual(expectedValues(5));
    const events = journal(dir);
    expect(events.filter((e) => e.event === "run-resume")).toHaveLength(1);
    const doneKeys = events.filter((e) => e.event === "point-end" && e.status === "done").map((e) => e.point);
    expect(new Set(doneKeys).size).toBe(doneKeys.length);
    expect(doneKeys).toHaveLength(9);
    expect(readManifest(dir).status).toBe("ok");
  });

  it("after a kill -9 mid-sweep, resume completes it without losing or duplicating anything", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-kill-resume-"));
    const first = cli(["run", SWEEP, "--testbed", "toy", "--param", "size=4", "--param", "delay=100", "--results", results]);
    await waitForPointsDone(results, 2);
    first.kill("SIGKILL");
    await first;
    const dir = runDir(results);
    const before = readFileSync(join(dir, "journal.jsonl"), "utf8");
    expect((await cli(["resume", dir])).exitCode).toBe(0);
    const after = readFileSync(join(dir, "journal.jsonl"), "utf8");
    expect(after.startsWith(before)).toBe(true);
    expect(pointValues(dir)).toEqual(expectedValues(4));
  });

  it("lets two processes share a sweep, each point run by exactly one of them", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-share-"));
    // points are held until both processes work on one: on a loaded machine the
    // second one's start-up can outlast the whole sweep otherwise
    const hold = join(results, "..", `hold-${Date.now()}`);
    writeFileSync(hold, "");
    const first = cli(["run", SWEEP, "--testbed", "toy", "--param", "size=6", "--param", "delay=100", "--param", `holdMarker=${hold}`, "--results", results]);
    await waitForEvents(results, (events) => events.some((e) => e.event === "point-start"));
    const second = cli(["resume", runDir(results)]);
    await waitForEvents(results, (events) => events.filter((e) => e.event === "point-start").length >= 2);
    rmSync(hold);
    const [a, b] = await Promise.all([first, second]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const dir = runDir(results);
    expect(pointValues(dir)).toEqual(expectedValues(6));
    const [, ...rows] = readFileSync(join(dir, "metrics/points.csv"), "utf8").trim().split("\n");
    expect(new Set(rows.map((r) => r.split(",")[3])).size).toBe(2); // both processes did points
  });

  it("records a failed point, fails the run, and retries only that point on resume", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-fail-"));
    const marker = join(results, "..", `fail-${Date.now()}`);
    writeFileSync(marker, "");
    const first = await cli(["run", SWEEP, "--testbed", "toy", "--param", "size=3", "--param", "delay=1", "--param", "failOn=a=2,b=x", "--param", `failMarker=${marker}`, "--results", results]);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toContain("1 of 5 points of sweep 'grid' failed");
    const dir = runDir(results);
    expect((await cli(["sweep", "status", dir])).stdout).toContain("failed      a=2,b=x  (injected failure)");
    rmSync(marker);
    const resumed = await cli(["resume", dir, "--json"]);
    expect(resumed.exitCode).toBe(0);
    expect(JSON.parse(resumed.stdout).summary).toMatchObject({ done: 5, failed: 0 });
    expect(pointValues(dir)).toEqual(expectedValues(3));
    expect(journal(dir).filter((e) => e.event === "point-start" && e.point === "a=1,b=x")).toHaveLength(1);
  });

  it("refuses to resume a completed run or a truncated archive, with one line and exit 2", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-refuse-"));
    await cli(["run", SWEEP, "--testbed", "toy", "--param", "size=1", "--param", "delay=1", "--results", results]);
    const dir = runDir(results);
    const done = await cli(["resume", dir]);
    expect(done.exitCode).toBe(2);
    expect(done.stderr.trim()).toMatch(/completed: nothing to resume/);
    rmSync(join(dir, "workflow.mts"));
    writeFileSync(join(dir, "manifest.json"), readFileSync(join(dir, "manifest.json"), "utf8").replace('"status": "ok"', '"status": "failed"'));
    const truncated = await cli(["resume", dir]);
    expect(truncated.exitCode).toBe(2);
    expect(truncated.stderr.trim()).toBe("g5k-flow: corrupt run archive: workflow.mts missing");
  });
});
