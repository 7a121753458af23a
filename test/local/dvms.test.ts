/**
 * DVMS with its real agents on the local testbed: one agent process per
 * node, started inside the node's network namespace, the agents talking TCP
 * over the namespaces' addresses, the migration they decide carried out by
 * a real `virsh migrate --live`.
 */
import { existsSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { dvmsScheduler, ProcessDvmsScheduler } from "../../plugins/dvms/index.ts";
import { listLocalLeftovers } from "../../plugins/local/index.ts";
import { recordingContext } from "./step-context.ts";
import { newLocalTestbed, realTestbedHooks } from "./suite.ts";
import { until } from "./until.ts";

/** Agent processes are children of this one, reaped on exit: no /proc entry once gone. */
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

describe("DVMS on the local testbed, agents in the nodes' namespaces", () => {
  realTestbedHooks();

  it("a node overloaded by stress-ng makes the agents form a partition and ask for a real live migration that ends the overload", async () => {
    const tb = newLocalTestbed(5, { pollInterval: "1" });
    const ctx = recordingContext("dvms", 5);
    let scheduler: ProcessDvmsScheduler | undefined;
    try {
      // 0.7 core per node: two guests at 50 % overload the first node, one fits anywhere.
      const nodes = await tb.deploy(await tb.reserve({ nodes: 3, cores: 0.7 }, ctx), {}, ctx);
      const [busy] = nodes;
      const vms = await tb.bootVms([busy], { perNode: 2, memoryMiB: 256 }, ctx);
      const cluster = tb.cluster();
      const crossings: Array<[string, boolean]> = [];
      cluster.onLoadChange((node, over) => void crossings.push([node, over]));
      // Three nodes, so the smallest partition DVMS solves is lowered from its default 4 to 3.
      const created = dvmsScheduler.create(cluster, { minPartitionSize: 3 });
      expect(created).toBeInstanceOf(ProcessDvmsScheduler);
      scheduler = created as ProcessDvmsScheduler;
      scheduler.start();
      const s = scheduler;
      await until("three agent processes", 90, () => s.report() && s.agentPids().length === 3);
      // Each agent lives in its own node's namespace: the only way between them is TCP over the nodes' bridge.
      const where = await Promise.all(s.agentPids().map(async (pid) => (await execa("ip", ["netns", "identify", String(pid)])).stdout.trim()));
      expect(where.sort()).toEqual(nodes.map((n) => n.name).sort());

      await tb.stress(vms, { kind: "constant", load: 0.5 }, ctx);
      await until("DVMS's live migration", 240, () => s.report().migrations.some((m) => m.outcome === "ok"));
      const moved = s.report().migrations.find((m) => m.outcome === "ok")!;
      expect(moved.from).toBe(busy.name);
      expect(nodes.map((n) => n.name)).toContain(moved.to);
      expect(moved.to).not.toBe(busy.name);
      // An ISP started by the overloaded node grew to three nodes and was solved with that migration.
      await until("the end of the ISP", 30, () => s.isps().some((r) => r.end !== null));
      const isp = s.isps().find((r) => r.initiator === busy.name && r.end?.outcome === "solved");
      expect(isp?.end).toMatchObject({ size: 3, migrations: 1 });

      // The migration was real: the testbed sees the guest at its new node, and it answers SSH there, still running.
      const placement = new Map((await tb.observe()).vms.map((v) => [v.name, v.node]));
      expect(placement.get(moved.vm)).toBe(moved.to);
      expect(await tb.guestUptime(moved.vm)).toBeGreaterThan(0);
      const metrics = await tb.collect(ctx);
      expect(metrics.migrations.filter((m) => m.outcome === "ok").map((m) => m.vm)).toContain(moved.vm);
      // The overload was measured through libvirt and ended once the guest left.
      await until("the end of the overload", 30, () => crossings.some(([n, over]) => n === busy.name && !over));
      expect(crossings.find(([n]) => n === busy.name)).toEqual([busy.name, true]);
      // Only the other guest stays (one poll's demand figure is too noisy under TCG to compare with the capacity again).
      const stayed = (await tb.observe()).vms.filter((v) => v.node === busy.name).map((v) => v.name);
      expect(stayed).toEqual(vms.map((v) => v.name).filter((n) => n !== moved.vm));

      const pids = s.agentPids();
      s.stop();
      await s.closed();
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      scheduler?.stop();
      await scheduler?.closed();
      await tb.release();
    }
    expect(await listLocalLeftovers()).toEqual({ pools: {}, libvirtd: [], qemu: [], stateDirs: [] });
  }, 600_000);
});
