/**
 * workflows/composing-actions.ts on the local testbed: 22 process-only
 * nodes (sshd in namespaces, no libvirtd, so the suite stays short), roles,
 * a tree-runner remote on 20 of them, a broadcast, monitoring and netem.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../engine/archive/run-archive.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { runWorkflow } from "../../engine/run/runner.ts";
import "../../plugins/bundled.ts";
import { realTestbedHooks } from "./suite.ts";

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe("composing actions on the local testbed", () => {
  realTestbedHooks();

  it("runs composing-actions.ts: tree fan-out on 20 clients, checked broadcast, netem RTT, monitoring rows; netem removed at release", async () => {
    const delayMs = 10;
    const outcome = await runWorkflow({
      workflowPath: "workflows/composing-actions.ts",
      params: { servers: "2", clients: "20", delayMs: String(delayMs), fileMiB: "4", period: "0.3" },
      testbed: "local",
      testbedOptions: { poolSize: "64" },
      seed: 1,
      resultsDir: mkdtempSync(join(tmpdir(), "lt-actions-")),
      progress: new PlainProgress(sink()),
    });
    expect(outcome.error).toBeNull();
    const summary = JSON.parse(readFileSync(join(outcome.dir, "summary.json"), "utf8"));
    expect(summary.roles.clients).toHaveLength(20);
    expect(summary.roles.servers).toHaveLength(2);
    expect(summary.hostsFailed).toBe(0);
    expect(summary.sameFileEverywhere).toBe(true);
    const [rtt] = summary.rttMs as number[];
    expect(Math.abs(rtt - 2 * delayMs)).toBeLessThanOrEqual(0.1 * 2 * delayMs);
    expect(summary.monitoringSamples).toBeGreaterThan(22);
    const journal = readJournal(outcome.dir);
    expect(journal.find((e) => e.event === "action-runner" && e.runner === "tree")).toMatchObject({ hosts: 20 });
    const broadcastHosts = journal.filter((e) => e.event === "host" && String(e.action).startsWith("broadcast") && e.status === "ok");
    expect(broadcastHosts).toHaveLength(22);
    // netem comes off before the testbed is released
    const removed = journal.findIndex((e) => e.event === "netem-removed");
    expect(removed).toBeGreaterThan(-1);
    const rows = readFileSync(join(outcome.dir, "metrics", "monitoring.csv"), "utf8").trim().split("\n");
    expect(rows[0].split(",")).toEqual(expect.arrayContaining(["host", "t", "cpuPct", "memUsedMiB", "rxKBps", "txKBps"]));
    expect(rows.length - 1).toBe(summary.monitoringSamples);
    expect(readFileSync(join(outcome.dir, "report.html"), "utf8")).toContain("CPU per host");
  }, 600_000);
});
