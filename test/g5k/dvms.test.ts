/**
 * DVMS agents on the g5k testbed: the stand-in API, nodes that are local
 * namespaces reachable only through the namespaced access gateway. The agent
 * is shipped and started over SSH through the gateway, observes its node's
 * libvirtd, and an agent runs the live migration that ends a stress-ng overload.
 */
import { mkdtempSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dvmsScheduler, ProcessDvmsScheduler } from "../../plugins/dvms/index.ts";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import { buildGuestImage } from "../../plugins/libvirt/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { until } from "../local/until.ts";
import { namespacedG5k, type NamespacedG5k } from "./namespaced.ts";
import { qemuCount } from "./qemu-count.ts";

describe("DVMS agents on the g5k testbed (stand-in, nodes behind the gateway)", () => {
  let env: NamespacedG5k;

  beforeAll(async () => {
    await buildGuestImage(() => undefined);
    env = await namespacedG5k(3);
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  }, 120_000);

  it("a stress-ng overload seen by its node's agent, solved by a live migration an agent runs through no controller", async () => {
    const kept = new Map<string, string>();
    const ctx = { ...recordingContext("schedule:dvms", 11), keepOutput: (host: string, out: string) => void kept.set(host, out) };
    const tb = createG5kTestbed({ seed: 11, options: { ...env.options, jobName: "dvms" }, archiveDir: mkdtempSync(join(tmpdir(), "g5k-arch-")), log: () => undefined }, { env: {} });
    let scheduler: ProcessDvmsScheduler | undefined;
    try {
      // Half a core counted per node (the reservation's cap), four guests asking 45 % each on the first.
      const nodes = await tb.deploy(await tb.reserve({ nodes: 3, cores: 0.5 }, ctx), {}, ctx);
      expect(nodes.every((n) => n.jump?.address === env.gateway.address)).toBe(true);
      const [busy] = nodes;
      const vms = await tb.bootVms([busy!], { perNode: 4, vcpus: 1, memoryMiB: 256 }, ctx);
      const created = dvmsScheduler.create(tb.cluster(), { minPartitionSize: 3 });
      expect(created).toBeInstanceOf(ProcessDvmsScheduler);
      const s = (scheduler = created as ProcessDvmsScheduler);
      s.start(ctx);
      await until("three agents", 180, () => s.agents().filter((a) => a.pid !== null).length === 3);
      // Each agent runs in its node's namespace (the node whose address the stand-in gave that FQDN).
      for (const agent of s.agents()) {
        const local = env.machines.byFqdn.get(agent.node)!;
        const ns = `net:[${statSync(`/run/netns/${local.labels?.netns ?? local.name}`).ino}]`;
        expect(agent.netns).toBe(ns);
        expect(readlinkSync(`/proc/${agent.pid}/ns/net`)).toBe(ns);
      }

      await tb.stress(vms, { kind: "constant", load: 0.45 }, ctx);
      await until("a live migration by the agents", 300, () => s.report().migrations.some((m) => m.outcome === "ok"));
      const moved = s.report().migrations.find((m) => m.outcome === "ok")!;
      expect(moved.from).toBe(busy!.name);
      expect(ctx.events).toContainEqual(expect.objectContaining({ event: "dvms-load", node: busy!.name, overloaded: true }));
      const started = ctx.events.find((e) => e.event === "dvms-migration-start" && e.vm === moved.vm)!;
      await s.stop();
      for (const a of s.agents()) expect(a.exit).toMatchObject({ clean: true });
      expect(kept.get(started.node as string)).toMatch(new RegExp(`virsh migrate ${moved.vm} ${busy!.name} -> ${moved.to} \\(pid \\d+\\): ok`));
      const metrics = await tb.collect(ctx);
      expect(metrics.counters).toMatchObject({ migrationsByTestbed: 0 });
      expect(metrics.counters.migrationsByAgents).toBeGreaterThanOrEqual(1);
      expect(new Map((await tb.observe()).vms.map((v) => [v.name, v.node])).get(moved.vm)).toBe(moved.to);
    } finally {
      await scheduler?.stop();
      await tb.release();
    }
    expect(await qemuCount(env.machines.hosts.map((h) => h.name))).toBe(0);
  }, 900_000);
});
