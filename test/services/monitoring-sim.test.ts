/**
 * Monitoring on the sim testbed through the public API: node rows derived
 * from the simulator, VM rows with the CPU each VM obtains, at the period in
 * simulated time, the same for a seed, and correct across a resume.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../engine/archive/run-archive.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { startMonitoring } from "../../engine/services/index.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { runWorkflow } from "../../engine/run/runner.ts";
import "../../plugins/bundled.ts";
import { cli } from "../engine/cli-helpers.ts";
import { readCsv } from "../support/csv.ts";

const progress = () => new PlainProgress(new Writable({ write: (_c, _e, cb) => cb() }));
const FIXTURE = "test/services/fixtures/monitor-sim.ts";
const run = (workflowPath: string, params: Record<string, string>, seed = 1) =>
  runWorkflow({ workflowPath, params, testbed: "sim", seed, resultsDir: mkdtempSync(join(tmpdir(), "g5k-monsim-")), progress: progress() });
const table = (dir: string, name: string): string => readFileSync(join(dir, "metrics", `${name}.csv`), "utf8");

describe("monitoring on sim", () => {
  it("gives an overcommitted node's VMs their fair share: 4 VMs at 100 % on 1 core get 0.25 each, the node 100 %", async () => {
    // workflows/vm-monitoring.ts defaults: 2 nodes of 1 core, 4 VMs packed on each; the first node's at 100 %, the second's at 20 %
    const outcome = await run("workflows/vm-monitoring.ts", { period: "2", duration: "10s" });
    expect(outcome.error).toBeNull();
    const nodes = readCsv(join(outcome.dir, "metrics", "monitoring.csv"));
    expect(nodes).toEqual([2, 4, 6, 8, 10].flatMap((t) => [
      { host: "pm-0000", t: String(t), cpuPct: "100", memUsedMiB: "1024", rxKBps: "0", txKBps: "0" },
      { host: "pm-0001", t: String(t), cpuPct: "80", memUsedMiB: "1024", rxKBps: "0", txKBps: "0" },
    ]));
    const vms = readCsv(join(outcome.dir, "metrics", "monitoring_vms.csv"));
    expect(vms).toHaveLength(5 * 8);
    for (const r of vms) {
      const hot = r.node === "pm-0000";
      expect(r).toMatchObject({ cpuDemand: hot ? "1" : "0.2", cpuUse: hot ? "0.25" : "0.2", memoryMiB: "256", migrating: "0" });
    }
    expect([...new Set(vms.map((r) => r.t))]).toEqual(["2", "4", "6", "8", "10"]);
    expect(readFileSync(join(outcome.dir, "report.html"), "utf8")).toContain("CPU obtained per VM");
  });

  it("samples at the period in simulated time under a random load and a migration, the same rows for a seed", async () => {
    const [a, b, other] = await Promise.all([run(FIXTURE, {}, 7), run(FIXTURE, {}, 7), run(FIXTURE, {}, 8)]);
    for (const o of [a, b, other]) expect(o.error).toBeNull();
    expect(table(a.dir, "monitoring_vms")).toBe(table(b.dir, "monitoring_vms"));
    expect(table(a.dir, "monitoring")).toBe(table(b.dir, "monitoring"));
    expect(table(a.dir, "monitoring_vms")).not.toBe(table(other.dir, "monitoring_vms"));
    const vms = readCsv(join(a.dir, "metrics", "monitoring_vms.csv"));
    const moved = vms.filter((r) => r.vm === "vm-00000");
    const ts = moved.map((r) => Number(r.t));
    // every 0.5 s of the 20 s and the migration's, not one sample more or less
    expect(ts).toEqual(ts.map((_, i) => (i + 1) * 0.5));
    expect(ts.at(-1)).toBeGreaterThanOrEqual(20);
    expect(moved.some((r) => r.migrating === "1")).toBe(true);
    expect(moved.at(0)?.node).toBe("pm-0000");
    expect(moved.at(-1)?.node).toBe("pm-0003");
    // each node's CPU is what its VMs obtain over its 2 cores, never more than all of them
    const nodes = readCsv(join(a.dir, "metrics", "monitoring.csv"));
    for (const n of nodes) {
      const obtained = vms.filter((v) => v.t === n.t && v.node === n.host).reduce((s, v) => s + Number(v.cpuUse), 0);
      expect(Math.abs(Number(n.cpuPct) - (100 * obtained) / 2)).toBeLessThanOrEqual(0.1); // VM figures rounded to 1/1000 core
      expect(Number(n.cpuPct)).toBeLessThanOrEqual(100);
    }
    // the migration's flow, pm-0000 -> pm-0003, is the only traffic: sent by one, received by the other, at most the migration speed (125 MB/s)
    const during = new Set(moved.filter((r) => r.migrating === "1").map((r) => r.t));
    const kbps = (host: string, t: string, column: "rxKBps" | "txKBps") => Number(nodes.find((n) => n.host === host && n.t === t)?.[column]);
    for (const t of new Set(nodes.map((n) => n.t))) {
      const sent = kbps("pm-0000", t, "txKBps");
      expect(kbps("pm-0003", t, "rxKBps")).toBe(sent);
      expect(nodes.filter((n) => n.t === t).reduce((s, n) => s + Number(n.rxKBps), 0)).toBe(sent);
      if (!during.has(t)) expect(sent).toBe(0);
      expect(sent).toBeLessThanOrEqual(125e6 / 1024 + 0.001);
    }
    expect([...during].some((t) => kbps("pm-0000", t, "txKBps") > 0)).toBe(true);
  });

  it("refuses hosts that are not nodes of the simulated datacenter, and a period under 0.1 s, with one line", () => {
    const { runtime } = createSimCluster({ seed: 1, nodes: 1, vmsPerNode: 2 });
    const host = (name: string) => ({ name, address: name });
    expect(() => startMonitoring({ cluster: runtime }, [host("vm-00000")], { vms: true })).toThrow(/^monitor: 'vm-00000' is not a node of this testbed/);
    expect(() => startMonitoring({ cluster: runtime }, [host("pm-0000")], { period: 0.05 })).toThrow(/^monitoring period must be at least 0.1 s, got 0.05$/);
  });

  it.each(["monitoring", "after"] as const)("resumed after a failure %s, holds the rows of an uninterrupted run, once", { timeout: 180_000 }, async (failAt) => {
    const marker = join(mkdtempSync(join(tmpdir(), "g5k-monsim-marker-")), "fail");
    writeFileSync(marker, "");
    const [failed, whole] = await Promise.all([run(FIXTURE, { failMarker: marker, failAt }, 7), run(FIXTURE, {}, 7)]);
    expect(failed.status).toBe("failed");
    // cut short, the rows are kept apart; seen through, they are in the table already
    expect(existsSync(join(failed.dir, "metrics", "monitoring_vms_cut.csv"))).toBe(failAt === "monitoring");
    expect(existsSync(join(failed.dir, "metrics", "monitoring_vms.csv"))).toBe(failAt === "after");
    rmSync(marker);
    // through the CLI: the archived workflow imports g5k-flow, which the CLI resolves
    expect((await cli(["resume", failed.dir])).exitCode).toBe(0);
    expect(table(failed.dir, "monitoring_vms")).toBe(table(whole.dir, "monitoring_vms"));
    expect(table(failed.dir, "monitoring")).toBe(table(whole.dir, "monitoring"));
    const writes = readJournal(failed.dir).filter((e) => e.event === "metrics" && String(e.key).startsWith("service:"));
    expect(writes).toHaveLength(1);
    if (failAt === "monitoring") expect(table(failed.dir, "monitoring_vms").startsWith(table(failed.dir, "monitoring_vms_cut").split("\n")[0])).toBe(true);
  });
});
