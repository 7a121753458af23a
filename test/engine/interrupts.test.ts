import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../engine/archive/run-archive.ts";
import { cli, TOY_WORKFLOW } from "./cli-helpers.ts";

/** Polls until the run folder's journal satisfies `ready`, returning its lines. */
async function waitForJournal(resultsDir: string, ready: (lines: string[]) => boolean): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const [run] = existsSync(resultsDir) ? readdirSync(resultsDir) : [];
    const journal = run ? join(resultsDir, run, "journal.jsonl") : "";
    if (journal && existsSync(journal) && ready(readFileSync(journal, "utf8").split("\n").filter(Boolean))) return join(resultsDir, run);
    await sleep(25);
  }
  throw new Error("journal never got ready");
}

describe("a run that is stopped", () => {
  it("keeps every journal line written before a kill -9, intact and in order", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-kill-"));
    const child = cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "logs=5000", "--results", results]);
    const dir = await waitForJournal(results, (lines) => lines.filter((l) => l.includes('"event":"log","scope":""')).length >= 200);
    child.kill("SIGKILL");
    const result = await child;
    expect(result.signal).toBe("SIGKILL");

    const lines = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean);
    const events = lines.map((line) => JSON.parse(line)); // throws if any line is torn
    const logged = events.filter((e) => e.event === "log" && e.scope === "").map((e) => e.message);
    expect(logged.length).toBeGreaterThanOrEqual(200);
    expect(logged).toEqual(logged.map((_, i) => `line ${i}`));
    expect(events.some((e) => e.event === "run-end")).toBe(false);
    expect(readManifest(dir).status).toBe("running");
  });

  it("on SIGINT releases the testbed, marks the run interrupted and exits 130", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-int-"));
    const releaseLog = join(results, "..", `release-${Date.now()}.log`);
    const child = cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "wait=100m", "--testbed-opt", `releaseLog=${releaseLog}`, "--results", results]);
    const dir = await waitForJournal(results, (lines) => lines.some((l) => l.includes('"step":"schedule:none"')));
    child.kill("SIGINT");
    const result = await child;

    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain("SIGINT: stopping");
    expect(readFileSync(releaseLog, "utf8")).toBe("released 3\n");
    const manifest = readManifest(dir);
    expect(manifest.status).toBe("interrupted");
    const events = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(events.find((e) => e.event === "step-end" && e.step === "schedule:none")?.status).toBe("interrupted");
    expect(events.at(-1)).toMatchObject({ event: "run-end", status: "interrupted" });
    expect(events.some((e) => e.event === "release")).toBe(true);
    // what was done before the interrupt is still there
    expect(JSON.parse(readFileSync(join(dir, "steps/compute.json"), "utf8"))).toEqual([0, 1, 4, 9, 16, 25]);
  });
});
