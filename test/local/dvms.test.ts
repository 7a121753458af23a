/**
 * DVMS agents on the local testbed's nodes: the bundled agent shipped to
 * each node and started there over SSH (so in the node's network
 * namespace), observing its node through the node's own libvirtd, migrating
 * by itself with `virsh migrate --live`; this process only controls them.
 */
import { readlinkSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dvmsScheduler, ProcessDvmsScheduler } from "../../plugins/dvms/index.ts";
import { listLocalLeftovers } from "../../plugins/local/index.ts";
import { recordingContext } from "./step-context.ts";
import { newLocalTestbed, realTestbedHooks } from "./suite.ts";
import { until } from "./until.ts";

/** A process's network namespace, as the kernel names it. */
const netnsOf = (pid: number): string => readlinkSync(`/proc/${pid}/ns/net`);
/** A named namespace (`ip netns add`), the same way. */
const namedNetns = (name: string): string => `net:[${statSync(`/run/netns/${name}`).ino}]`;

describe("DVMS on the local testbed, agents on the nodes", () => {
  realTestbedHooks();

  it("a stress-ng overload is seen by its node's agent and solved by a live migration an agent runs; the controller runs none", async () => {
    const tb = newLocalTestbed(5, { pollInterval: "1" });
    const kept = new Map<string, { out: string; err: string }>();
    const ctx = { ...recordingContext("schedule:dvms", 5), keepOutput: (host: string, out: string, err: string) => void kept.set(host, { out, err }) };
    let scheduler: ProcessDvmsScheduler | undefined;
    /** Waits like `until`; on timeout, prints the DVMS events and the agents' logs kept so far. */
    const waitFor = (what: string, seconds: number, check: () => boolean) =>
      until(what, seconds, check).catch(async (e) => {
        await scheduler?.stop();
        console.log(JSON.stringify(ctx.events.filter((x) => String(x.event).startsWith("dvms"))), [...kept].map(([h, o]) => `${h}\n${o.out}\n${o.err}`).join("\n"));
        throw e;
      });
    try {
      // Half a core per node and four guests asking 0.2 each on the first: TCG guests' measured load swings
      // (0.1 to 1.3 for the four, polled every second), so the node is overloaded at its peaks, and any guest
      // fits on an empty node: the four nodes hold the four guests, one each, whatever the swing, so their
      // partition (DVMS's default smallest) always passes the necessary condition (its VMs fit in sum).
      // Asking 0.45 each on three nodes relied on guests getting less CPU than asked: in sum 1.8 > 1.5 cores.
      // (On a machine so loaded that the four get under half a core in all, there is no overload to solve.)
      const nodes = await tb.deploy(await tb.reserve({ nodes: 4, cores: 0.5 }, ctx), {}, ctx);
      const [busy] = nodes;
      const vms = await tb.bootVms([busy], { perNode: 4, memoryMiB: 256 }, ctx);
      // Liveness timeouts sized for a shared two-core machine: with the defaults (a member silent 1.5 s is dead),
      // the busy node's agent, starved by its guests and the other tests, was dropped as the initiator and the
      // ISP dissolved while its migration ran on. Faults and their timeouts are test/local/dvms-faults.test.ts's subject.
      const created = dvmsScheduler.create(tb.cluster(), { memberTimeout: 10, handoffTimeout: 5, partitionTimeout: 30 });
      expect(created).toBeInstanceOf(ProcessDvmsScheduler);
      const s = (scheduler = created as ProcessDvmsScheduler);
      s.start(ctx);
      await waitFor("four agents", 120, () => s.agents().filter((a) => a.pid !== null).length === 4);
      // Each agent is a process in its own node's network namespace, as it says and as /proc says.
      for (const agent of s.agents()) {
        const node = nodes.find((n) => n.name === agent.node)!;
        const ns = namedNetns(node.labels?.netns ?? node.name);
        expect(agent.netns).toBe(ns);
        expect(netnsOf(agent.pid!)).toBe(ns);
        expect(agent.pid).not.toBe(process.pid);
      }
      const overlay = ctx.events.find((e) => e.event === "dvms-overlay") as { rtts: Record<string, Record<string, number>> };
      // Measured between the nodes, over their bridge: small, positive, not one constant.
      const rtts = Object.values(overlay.rtts).flatMap((row) => Object.values(row));
      expect(rtts.length).toBe(12);
      for (const rtt of rtts) expect(rtt).toBeGreaterThan(0);

      await tb.stress(vms, { kind: "constant", load: 0.2 }, ctx);
      await waitFor("a live migration by the agents", 300, () => s.report().migrations.some((m) => m.outcome === "ok"));
      const moved = s.report().migrations.find((m) => m.outcome === "ok")!;
      expect(moved.from).toBe(busy.name);
      expect(moved.to).not.toBe(busy.name);
      // The overloaded node's own agent saw the overload, from its libvirtd's counters.
      expect(ctx.events).toContainEqual(expect.objectContaining({ event: "dvms-load", node: busy.name, overloaded: true }));
      // Other nodes' ISPs may end first (e.g. unsolvable ones): wait for the busy node's own.
      const solvedByBusy = () => s.isps().find((r) => r.initiator === busy.name && r.end?.outcome === "solved");
      await waitFor("the end of the busy node's ISP", 60, () => solvedByBusy() !== undefined);
      const isp = solvedByBusy();
      // Solved by the partition of all four nodes, grown from the busy one.
      expect(isp?.end).toMatchObject({ size: 4 });
      expect(isp?.end?.migrations).toBeGreaterThanOrEqual(1);
      // The migration was run by an agent: its node's agent started it, the testbed only heard of it.
      const started = ctx.events.find((e) => e.event === "dvms-migration-start" && e.vm === moved.vm)!;
      expect(nodes.map((n) => n.name)).toContain(started.node);

      const agents = s.agents();
      await s.stop();
      // Stopped means exited, cleanly, within the bound; each agent's log kept for hosts/<node>/.
      for (const a of s.agents()) expect(a.exit).toMatchObject({ clean: true });
      for (const a of agents) expect(() => netnsOf(a.pid!)).toThrow();
      expect([...kept.keys()].sort()).toEqual(nodes.map((n) => n.name).sort());
      expect(kept.get(started.node as string)!.out).toMatch(new RegExp(`virsh migrate ${moved.vm} ${busy.name} -> ${moved.to} \\(pid \\d+\\): ok`));
      expect(kept.get(busy.name)!.out).toContain('"type":"load","overloaded":true');

      // Real: the testbed sees the guest at its new node, it answers SSH there; this process ran no migration.
      const placement = new Map((await tb.observe()).vms.map((v) => [v.name, v.node]));
      expect(placement.get(moved.vm)).toBe(moved.to);
      expect([...placement.values()].filter((n) => n === busy.name).length).toBeLessThan(vms.length);
      expect(await tb.guestUptime(moved.vm)).toBeGreaterThan(0);
      const metrics = await tb.collect(ctx);
      expect(metrics.counters).toMatchObject({ migrationsByTestbed: 0 });
      expect(metrics.counters.migrationsByAgents).toBeGreaterThanOrEqual(1);
    } finally {
      await scheduler?.stop();
      await tb.release();
    }
    expect(await listLocalLeftovers()).toEqual({ pools: {}, libvirtd: [], qemu: [], stateDirs: [] });
  }, 600_000);
});
