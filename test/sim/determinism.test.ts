import { describe, expect, it } from "vitest";
import type { ClusterRuntime } from "../../engine/cluster.ts";
import type { TestbedMetrics } from "../../engine/testbed.ts";
import { createSimCluster, simTestbed } from "../../plugins/sim/index.ts";
import { recordingContext } from "./context.ts";

/** A small greedy reactor, so runs exercise migrations, timers and messages, not only the injector. */
function greedy(runtime: ClusterRuntime): void {
  runtime.onLoadChange((node, overloaded) => {
    if (!overloaded) return;
    runtime.setTimer(runtime.computeDelay(500, Math.random()), () => {
      const here = runtime.observe([node]);
      const movable = here.vms.filter((v) => !v.migrating).sort((a, b) => b.cpuDemand - a.cpuDemand || a.name.localeCompare(b.name));
      if (movable.length === 0) return;
      const all = runtime.observe();
      const load = new Map(all.nodes.map((n) => [n.name, 0]));
      for (const v of all.vms) load.set(v.node, (load.get(v.node) ?? 0) + v.cpuDemand);
      const target = all.nodes.filter((n) => n.online && n.name !== node).sort((a, b) => (load.get(a.name) ?? 0) - (load.get(b.name) ?? 0))[0];
      runtime.network.send(node, target.name, { want: movable[0].name });
      runtime.migrate(movable[0].name, target.name, () => undefined);
    });
  });
}

function simulate(seed: number): TestbedMetrics {
  const c = createSimCluster({
    seed, nodes: 40, vmsPerNode: 8, cores: 6, load: { kind: "gaussian", mean: 0.6, std: 0.25, loadPeriod: 60 },
    crashes: { meanInterval: 120, duration: 60 },
  });
  for (const n of c.runtime.observe().nodes) c.runtime.network.listen(n.name, () => undefined);
  greedy(c.runtime);
  c.run(1800);
  return c.metrics();
}

describe("determinism", () => {
  it("same seed, same metrics bit for bit; another seed, other metrics", () => {
    const a = simulate(11);
    const b = simulate(11);
    const other = simulate(12);
    expect(a.counters.migrations).toBeGreaterThan(5);
    expect(a.counters.violations).toBeGreaterThan(5);
    expect(a.counters.crashes).toBeGreaterThan(3);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(a));
  });

  it("same seed, same testbed journal and metrics bit for bit", async () => {
    const run = async (seed: number) => {
      const { ctx, journal } = recordingContext(seed);
      const tb = simTestbed.create({ seed, options: { crashMeanInterval: "300" }, archiveDir: "/nonexistent", log: () => undefined });
      const nodes = await tb.reserve({ nodes: 30, cores: 6 }, ctx);
      await tb.deploy(nodes, {}, ctx);
      const vms = await tb.bootVms(nodes, { perNode: 8 }, ctx);
      await tb.stress(vms, { kind: "gaussian", mean: 0.6, std: 0.25 }, ctx);
      greedy(tb.cluster());
      await tb.advance(900, ctx);
      await tb.migrate("vm-00001", "pm-0029", ctx);
      await tb.advance(900, ctx);
      const metrics = await tb.collect(ctx);
      await tb.release();
      return JSON.stringify({ journal, metrics });
    };
    const first = await run(5);
    expect(await run(5)).toBe(first);
    expect(await run(6)).not.toBe(first);
  });
});
