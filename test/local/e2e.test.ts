/**
 * The local real testbed end to end: real namespaces, sshd, libvirtd, qemu
 * guests (TCG here) and live migrations. Needs root and the Debian packages
 * (`g5k-flow testbed setup local`); the guest image is built once and cached.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../engine/archive/run-archive.ts";
import type { MigrationResult } from "../../engine/cluster.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { runWorkflow } from "../../engine/run/runner.ts";
import { entropyScheduler } from "../../plugins/entropy/index.ts";
import { listLocalLeftovers } from "../../plugins/local/index.ts";
import "../../plugins/bundled.ts";
import { recordingContext } from "./step-context.ts";
import { newLocalTestbed, realTestbedHooks } from "./suite.ts";
import { until } from "./until.ts";

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
const csv = (path: string): Record<string, string>[] => {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
};

describe("local testbed, for real", () => {
  realTestbedHooks();

  it("runs live-migration.ts on 3 nodes with 2 guests: the moved guests keep their uptime and answer SSH at the new node; nothing is left", async () => {
    const results = mkdtempSync(join(tmpdir(), "lt-results-"));
    const outcome = await runWorkflow({
      workflowPath: "workflows/live-migration.ts",
      params: { nodes: "3", hostingNodes: "2", vmsPerNode: "1", ks: "1,2", load: "0.2", dirty: "0.1" },
      testbed: "local",
      seed: 1,
      resultsDir: results,
      progress: new PlainProgress(sink()),
    });
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe("ok");
    const moves = csv(join(outcome.dir, "metrics", "testbed_migrations.csv"));
    const ok = moves.filter((m) => m.outcome === "ok");
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const m of ok) {
      // Read over SSH through the destination node after the move: the guest answered there, and its clock kept running.
      expect(Number(m.uptimeAfter)).toBeGreaterThan(Number(m.uptimeBefore));
      expect(m.to).not.toBe(m.from);
      expect(Number(m.downtime)).toBeGreaterThan(0);
      expect(Number(m.duration)).toBeGreaterThan(Number(m.downtime));
    }
    const saidAccel = readJournal(outcome.dir).filter((e) => /using (TCG|KVM)/.test(String(e.message ?? "")));
    expect(saidAccel).toHaveLength(1);
    expect(String(saidAccel[0].message)).toContain(JSON.parse(readFileSync(join(outcome.dir, "manifest.json"), "utf8")).testbed.descriptions[0].accel === "tcg" ? "TCG" : "KVM");
    // Everything of the run is gone once it ends: namespaces, bridges, sshd, libvirtd, qemu.
    expect(await listLocalLeftovers()).toEqual({ pools: {}, libvirtd: [], qemu: [], stateDirs: [] });
  }, 600_000);

  it("reports a boot that keeps failing after its retry, and a migration to a broken node as failed, the guest still serving", async () => {
    const tb = newLocalTestbed(4, { bootRetries: "1" });
    const ctx = recordingContext("faults", 4);
    try {
      const nodes = await tb.deploy(await tb.reserve({ nodes: 2 }, ctx), {}, ctx);
      const [vm] = await tb.bootVms(nodes.slice(0, 1), { perNode: 1, memoryMiB: 256 }, ctx);
      // Break the second node: its libvirtd dies (sshd stays up, as a node with a crashed daemon).
      const pid = Number(readFileSync(join("/run/g5k-flow/local", nodes[1].name.split("-")[0], nodes[1].name, "libvirtd.pid"), "utf8"));
      process.kill(pid, "SIGKILL");
      const none = await tb.bootVms(nodes.slice(1), { perNode: 1, memoryMiB: 256 }, ctx).catch((e: Error) => e);
      expect(none).toBeInstanceOf(Error);
      // Under the default policy (all must boot) the step fails with one line naming the guest and why.
      expect((none as Error).message).toMatch(/^bootVms: 0 of 1 VMs succeeded, 1 required; failed: vm-\d+ \(vm-\d+ on \S+: .+\)$/);
      expect((none as Error).message).not.toContain("\n");
      expect(ctx.events.filter((e) => e.event === "vm-boot-retry")).toHaveLength(1);
      expect(ctx.events.filter((e) => e.event === "vm-boot-failed").map((e) => e.node)).toEqual([nodes[1].name]);
      const before = (await tb.guestUptime(vm.name))!;
      const m = await tb.migrate(vm.name, nodes[1].name, ctx);
      expect(m.outcome).toBe("failed");
      expect(m.reason).toBeTruthy();
      expect((await tb.observe()).vms.find((v) => v.name === vm.name)?.node).toBe(nodes[0].name);
      expect(await tb.guestUptime(vm.name)).toBeGreaterThan(before);
      expect((await tb.collect(ctx)).counters.bootFailures).toBe(1);
    } finally {
      await tb.release();
    }
  }, 300_000);

  it("an overload made by stress-ng is seen through libvirt and solved by a real migration decided by Entropy", async () => {
    const tb = newLocalTestbed(3, { pollInterval: "1" });
    const ctx = recordingContext("entropy", 3);
    try {
      // Node capacity 0.7 core: two guests at 50 % overload one node, one guest fits anywhere.
      const nodes = await tb.deploy(await tb.reserve({ nodes: 3, cores: 0.7 }, ctx), {}, ctx);
      const vms = await tb.bootVms(nodes.slice(0, 1), { perNode: 2, memoryMiB: 256 }, ctx);
      expect(vms.map((v) => v.node)).toEqual([nodes[0].name, nodes[0].name]);
      const cluster = tb.cluster();
      // Observed at once, before the first poll ends: the booted guests, where they run.
      expect(cluster.observe().vms.map((v) => [v.name, v.node])).toEqual(vms.map((v) => [v.name, v.node]));
      const overloads: string[] = [];
      cluster.onLoadChange((node, over) => over && overloads.push(node));
      await tb.stress(vms, { kind: "constant", load: 0.5 }, ctx);
      await until("the overload of the first node", 90, () => overloads.includes(nodes[0].name));
      const scheduler = entropyScheduler.create(cluster, { period: 2, timeLimit: 2 });
      scheduler.start();
      let moved: MigrationResult | undefined;
      await until("Entropy's migration", 180, () => (moved = scheduler.report().migrations.find((m) => m.outcome === "ok")) !== undefined);
      scheduler.stop();
      expect(moved!.from).toBe(nodes[0].name);
      const after = await tb.observe();
      const placement = new Map(after.vms.map((v) => [v.name, v.node]));
      expect(placement.get(moved!.vm)).toBe(moved!.to);
      expect(new Set(placement.values()).size).toBe(2);
      expect(await tb.guestUptime(moved!.vm)).toBeGreaterThan(0);
      const metrics = await tb.collect(ctx);
      expect(metrics.violations.some((v) => v.node === nodes[0].name)).toBe(true);
      expect(metrics.migrations.length).toBeGreaterThanOrEqual(1);
    } finally {
      await tb.release();
    }
    expect(await listLocalLeftovers()).toEqual({ pools: {}, libvirtd: [], qemu: [], stateDirs: [] });
  }, 600_000);
});
