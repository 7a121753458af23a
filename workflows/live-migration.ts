/**
 * The impact of migrating many VMs at once (the vm5k / Flauncher study):
 * boot VMs on a few nodes, stress them, then live-migrate k of them
 * simultaneously for each k and record each migration's time and downtime.
 * Runs on every testbed; on `local` the migrations are real qemu ones.
 */
import { median, param, round, workflow, type MetricRow, type Observation } from "g5k-flow";

/** k VMs spread over as many source nodes as possible: the first VM of each node, then the second... */
function pickVms(obs: Observation, k: number): string[] {
  const byNode = new Map<string, string[]>();
  for (const vm of obs.vms) byNode.set(vm.node, [...(byNode.get(vm.node) ?? []), vm.name]);
  const columns = [...byNode.keys()].sort();
  const picked: string[] = [];
  for (let rank = 0; picked.length < k && columns.some((n) => byNode.get(n)!.length > rank); rank++) {
    for (const n of columns) if (picked.length < k && byNode.get(n)![rank]) picked.push(byNode.get(n)![rank]);
  }
  return picked;
}

export default workflow({
  name: "live-migration",
  description: "Migrate k VMs at once (k = 1, 2, 4...) between nodes under stress: migration time and downtime per k",
  params: {
    nodes: param.int(4, "nodes", { min: 2, max: 200 }),
    hostingNodes: param.int(0, "nodes that get VMs at boot (0: all); the others start empty", { min: 0, max: 200 }),
    vmsPerNode: param.int(2, "VMs booted per hosting node", { min: 1, max: 64 }),
    memoryMiB: param.int(256, "memory per VM, MiB", { min: 256 }),
    ks: param.list(param.int(1, "", { min: 1, max: 1000 }), [1, 2, 4], "numbers of simultaneous migrations"),
    repeats: param.int(1, "rounds per k", { min: 1, max: 100 }),
    load: param.number(0.5, "CPU load of every VM during the migrations (0..1)", { min: 0, max: 1 }),
    dirty: param.number(0.25, "memory dirtying intensity of every VM (0..1)", { min: 0, max: 1 }),
  },
  report: {
    title: "Simultaneous live migrations",
    results: { rows: "perK", columns: ["k", "migrations", "ok", "failed", "medianDuration", "medianDowntime"] },
    charts: [
      { title: "Migration time by number of simultaneous migrations", table: "migrations", kind: "boxplot", x: "k", y: "duration", xLabel: "simultaneous migrations", yLabel: "seconds" },
      { title: "Downtime by number of simultaneous migrations", table: "migrations", kind: "boxplot", x: "k", y: "downtime", xLabel: "simultaneous migrations", yLabel: "seconds" },
      { title: "Median migration time", table: "per_k", kind: "line", x: "k", y: "medianDuration", xLabel: "simultaneous migrations", yLabel: "seconds" },
    ],
  },
  async run(x, p) {
    const nodes = await x.deploy(await x.reserve({ nodes: p.nodes, walltime: 3600 }));
    const hosting = p.hostingNodes > 0 ? nodes.slice(0, Math.min(p.hostingNodes, nodes.length)) : nodes;
    const vms = await x.bootVms(hosting, { perNode: p.vmsPerNode, memoryMiB: p.memoryMiB, placement: { policy: "round-robin" } });
    if (p.load > 0 || p.dirty > 0) await x.stress(vms, { kind: "constant", load: p.load, dirtyIntensity: p.dirty });
    const ring = nodes.map((n) => n.name);
    const rows: MetricRow[] = [];
    const perK: MetricRow[] = [];
    for (const k of p.ks) {
      if (k > vms.length) {
        x.log(`k = ${k} skipped: only ${vms.length} VMs`);
        continue;
      }
      const results = [];
      for (let repeat = 0; repeat < p.repeats; repeat++) {
        const chosen = pickVms(await x.observe(), k);
        const at = new Map((await x.observe()).vms.map((v) => [v.name, v.node]));
        const moves = chosen.map((vm) => ({ vm, to: ring[(ring.indexOf(at.get(vm)!) + 1) % ring.length] }));
        const done = await Promise.all(moves.map((m) => x.migrate(m.vm, m.to)));
        results.push(...done);
        // start and end on the testbed's clock (simulated or wall seconds): the k moves of a round overlap.
        rows.push(...done.map((m) => ({ k, repeat, vm: m.vm, from: m.from, to: m.to, start: round(m.start, 6), end: round(m.end, 6), duration: round(m.end - m.start, 3), downtime: round(m.downtime, 4), rounds: m.rounds, outcome: m.outcome, reason: m.reason ?? null })));
      }
      const ok = results.filter((m) => m.outcome === "ok");
      const row = {
        k,
        migrations: results.length,
        ok: ok.length,
        failed: results.length - ok.length,
        medianDuration: ok.length ? round(median(ok.map((m) => m.end - m.start)), 3) : null,
        medianDowntime: ok.length ? round(median(ok.map((m) => m.downtime)), 4) : null,
      };
      perK.push(row);
      x.log(`k = ${k}: ${row.ok}/${row.migrations} ok, median ${row.medianDuration ?? "-"} s, downtime ${row.medianDowntime ?? "-"} s`);
    }
    x.metrics("migrations", rows);
    x.metrics("per_k", perK);
    // The testbed's own tables (on local: guest uptime before/after each move, boot failures).
    const metrics = await x.collect();
    for (const [table, tableRows] of Object.entries(metrics.tables)) x.metrics(`testbed_${table}`, tableRows);
    x.summary({ nodes: p.nodes, vms: vms.length, perK: perK.map((r) => ({ ...r })) });
  },
});
