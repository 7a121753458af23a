/**
 * workflows/vm-monitoring.ts on the local testbed: one node, two qemu
 * guests, one stressed and one idle, monitored with `vms: true`. The VM
 * rows come from libvirt's CPU time (the testbed's poller), the node rows
 * from the node's /proc.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { mean } from "../../engine/metrics/stats.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { runWorkflow } from "../../engine/run/runner.ts";
import "../../plugins/bundled.ts";
import { readCsv } from "../support/csv.ts";
import { realTestbedHooks } from "./suite.ts";

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe("VM monitoring on the local testbed", () => {
  realTestbedHooks();

  it("samples a stressed guest's CPU above an idle one's, at the period, next to the node's /proc rows", async () => {
    const outcome = await runWorkflow({
      workflowPath: "workflows/vm-monitoring.ts",
      params: { nodes: "1", vmsPerNode: "2", hot: "1", hotLoad: "1", coldLoad: "0", period: "1", duration: "20s" },
      testbed: "local",
      seed: 1,
      resultsDir: mkdtempSync(join(tmpdir(), "lt-vmmon-")),
      progress: new PlainProgress(sink()),
    });
    expect(outcome.error).toBeNull();
    const { hot: [hot], cold: [cold] } = outcome.summary as { hot: string[]; cold: string[] };
    const vmRows = readCsv(join(outcome.dir, "metrics", "monitoring_vms.csv"));
    expect(Object.keys(vmRows[0])).toEqual(["vm", "node", "t", "cpuDemand", "memoryMiB", "migrating"]);
    const of = (vm: string) => vmRows.filter((r) => r.vm === vm);
    // one row per VM per period over 20 s of wall time (timers late under load lose none: they are scheduled from the start)
    for (const vm of [hot, cold]) {
      const ts = of(vm).map((r) => Number(r.t));
      expect(ts.length).toBeGreaterThanOrEqual(18);
      ts.slice(1).forEach((t, i) => expect(t - ts[i]).toBeGreaterThan(0.5));
    }
    // the first polls have no CPU-time delta yet: compare from the fifth second on
    const cpu = (vm: string) => mean(of(vm).filter((r) => Number(r.t) >= 5).map((r) => Number(r.cpuDemand))) ?? 0;
    // measured at load 19: 0.26 against 0.035 cores
    expect(cpu(hot)).toBeGreaterThan(Math.max(2 * cpu(cold), cpu(cold) + 0.05));
    expect(cpu(hot)).toBeLessThanOrEqual(1.05);
    const nodeRows = readCsv(join(outcome.dir, "metrics", "monitoring.csv"));
    expect(nodeRows.length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(nodeRows[0])).toEqual(expect.arrayContaining(["host", "t", "cpuPct", "memUsedMiB", "rxKBps", "txKBps"]));
  }, 900_000);
});
