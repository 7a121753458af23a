import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readJournal, readManifest } from "../../engine/archive/run-archive.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { runWorkflow, type RunOutcome } from "../../engine/run/runner.ts";
import { Writable } from "node:stream";
import "../../plugins/bundled.ts";
import "./fixtures/toy-testbed.ts";
import { TOY_WORKFLOW } from "./cli-helpers.ts";

const sink = (): Writable => new Writable({ write: (_c, _e, done) => done() });

describe("run archive", () => {
  let outcome: RunOutcome;
  const resultsDir = mkdtempSync(join(tmpdir(), "g5k-archive-"));

  beforeAll(async () => {
    outcome = await runWorkflow({
      workflowPath: TOY_WORKFLOW,
      params: { nodes: "2", perNode: "3" },
      testbed: "toy",
      testbedOptions: { site: "rennes", password: "hunter2", apiToken: "tok-123" },
      seed: 42,
      resultsDir,
      progress: new PlainProgress(sink()),
    });
  });

  it("names the run folder <date>-<time>-<workflow>-<hash>", () => {
    expect(readdirSync(resultsDir)).toEqual([outcome.dir.split("/").pop()]);
    expect(outcome.dir.split("/").pop()).toMatch(/^\d{8}-\d{6}-toy-[0-9a-f]{6}$/);
  });

  it("writes a manifest that allows a rerun", () => {
    const m = readManifest(outcome.dir);
    expect(m.status).toBe("ok");
    expect(m.params).toEqual({ nodes: 2, perNode: 3, wait: 0.02, logs: 0, mode: "ok", failMarker: "", walltime: 0, extensions: 0 });
    expect(m.seed).toBe(42);
    expect(m.testbed.kind).toBe("toy");
    expect(m.hosts).toEqual(["toy-0", "toy-1"]);
    expect(m.end).not.toBeNull();
    expect(readFileSync(join(outcome.dir, m.workflow.source), "utf8")).toBe(readFileSync(TOY_WORKFLOW, "utf8"));
    expect(m.engine.lockfileSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("journals every step in order, start before end", () => {
    const events = readJournal(outcome.dir);
    const steps = events.filter((e) => e.event === "step-end").map((e) => e.step);
    expect(steps).toEqual(["reserve", "deploy", "bootVms", "compute", "schedule:none"]);
    expect(events[0].event).toBe("run-start");
    expect(events.at(-1)).toMatchObject({ event: "run-end", status: "ok" });
    for (const step of steps) {
      const start = events.findIndex((e) => e.event === "step-start" && e.step === step);
      const end = events.findIndex((e) => e.event === "step-end" && e.step === step);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(end).toBeGreaterThan(start);
    }
  });

  it("keeps host outputs, step outputs, metrics and the summary", () => {
    expect(readFileSync(join(outcome.dir, "hosts/toy-0/compute.out"), "utf8")).toBe("hello from toy\n");
    expect(JSON.parse(readFileSync(join(outcome.dir, "steps/compute.json"), "utf8"))).toEqual([0, 1, 4, 9, 16, 25]);
    expect(readFileSync(join(outcome.dir, "metrics/squares.csv"), "utf8").split("\n").slice(0, 3)).toEqual(["i,v", "0,0", "1,1"]);
    expect(JSON.parse(readFileSync(join(outcome.dir, "summary.json"), "utf8"))).toEqual({ vms: 6, sumOfSquares: 55 });
    expect(outcome.summary).toEqual({ vms: 6, sumOfSquares: 55 });
  });

  it("never writes a secret", () => {
    for (const file of ["manifest.json", "journal.jsonl"]) {
      const text = readFileSync(join(outcome.dir, file), "utf8");
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("tok-123");
    }
    expect(readManifest(outcome.dir).testbed.options).toEqual({ site: "rennes", password: "[redacted]", apiToken: "[redacted]" });
    expect(existsSync(join(outcome.dir, "manifest.json.tmp"))).toBe(false);
  });
});

describe("metrics tables", () => {
  it("keeps columns aligned across a resume and widens the header for a new column", async () => {
    const { RunArchive } = await import("../../engine/archive/run-archive.ts");
    const dir = mkdtempSync(join(tmpdir(), "g5k-csv-"));
    const manifest = { format: 1 as const, id: "x", workflow: { name: "w", path: "w.ts", source: "workflow.mts", sourceSha256: "0" }, params: {}, seed: 1, testbed: { kind: "toy", options: {}, descriptions: [] }, engine: { version: "0", node: "v20", lockfileSha256: null }, hosts: [], start: "2026-11-21T00:00:00Z", end: null, status: "running" as const, error: null };
    const first = RunArchive.create(dir, manifest);
    first.appendMetrics("t", [{ a: 1, b: "x,y" }]);
    first.finish("interrupted", null);
    const resumed = RunArchive.reopen(dir);
    resumed.appendMetrics("t", [{ b: "z", a: 2 }]);
    resumed.appendMetrics("t", [{ a: 3, b: "w", c: true }]);
    expect(readFileSync(join(dir, "metrics/t.csv"), "utf8")).toBe('a,b,c\n1,"x,y",\n2,z,\n3,w,true\n');
  });
});

describe("secrets", () => {
  it("scrubs secret values from the journal, outputs, checkpoints and summary, but keeps harmless names", async () => {
    const resultsDir = mkdtempSync(join(tmpdir(), "g5k-secrets-"));
    process.env.G5K_TEST_TOKEN = "env-secret-value";
    try {
      const result = await runWorkflow({
        workflowPath: join(TOY_WORKFLOW, "../secrets-workflow.ts"),
        params: { leak: "env-secret-value" },
        testbed: "toy",
        testbedOptions: { password: "opt-secret-value" },
        seed: 1,
        resultsDir,
        progress: new PlainProgress(sink()),
      });
      expect(result.status).toBe("ok");
      const files = ["manifest.json", "journal.jsonl", "summary.json", "steps/leaky.json", "hosts/toy-0/leaky.out"];
      for (const file of files) {
        const text = readFileSync(join(result.dir, file), "utf8");
        expect(text, file).not.toContain("env-secret-value");
        expect(text, file).not.toContain("opt-secret-value");
      }
      expect(JSON.parse(readFileSync(join(result.dir, "summary.json"), "utf8"))).toEqual({ passes: 3, author: "ada", echoed: "[redacted]" });
      expect(JSON.parse(readFileSync(join(result.dir, "steps/leaky.json"), "utf8"))).toMatchObject({ passes: 3, author: "ada" });
    } finally {
      delete process.env.G5K_TEST_TOKEN;
    }
  });
});
