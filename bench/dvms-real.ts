/**
 * bench:dvms-real — DVMS agents on the local testbed's nodes (4 nodes, TCG
 * guests) against the same scenario in the simulator. Four guests on the
 * first node, half a core counted per node; each round stresses the guests
 * still there with stress-ng, harder each time, until the first node's own
 * agent sees an overload; the agents solve it with live migrations they run
 * themselves. Time to solve: the agent seeing its node overloaded to the end
 * of the ISP that solved it, migrations done (the agents' common clock). The simulator replays each round (capacity and
 * demand doubled to whole cores, the demand the agent measured) with the
 * migration speed measured on this testbed. Last line: one JSON object.
 */
import { mkdtempSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, round } from "../engine/index.ts";
import { overloads } from "../engine/metrics/figures.ts";
import { createDvms, ProcessDvmsScheduler } from "../plugins/dvms/index.ts";
import { localTestbed, setupLocalTestbed, type LocalTestbed } from "../plugins/local/index.ts";
import { createSimCluster } from "../plugins/sim/index.ts";
import { param } from "../engine/dsl/params.ts";
import { recordingContext } from "../test/local/step-context.ts";
import { benchArgs } from "./args.ts";
import { cleanupOnInterrupt } from "./interrupt.ts";

const NODES = 4;
const GUESTS = 4;
const CORES = 0.5;
const MEMORY_MIB = 256;
const LOAD = 0.45;
const ROUNDS = benchArgs({
  name: "dvms-real",
  description: "DVMS agents on 4 local testbed nodes (TCG guests) solving overloads with live migrations, against the same scenario in the simulator. Needs root. Last line: one JSON object.",
  flags: { rounds: param.int(3, "overload rounds, each harder", { min: 1 }) },
  env: { rounds: "BENCH_ROUNDS" },
}).rounds;
const OPTIONS = { minPartitionSize: 3 };
const ROUND_LIMIT_S = 240;

await setupLocalTestbed();
const tb = localTestbed.create({ seed: 3, options: { pollInterval: "1" }, archiveDir: mkdtempSync(join(tmpdir(), "bench-dvms-real-")), log: () => undefined }) as LocalTestbed;
const ctx = recordingContext("schedule:dvms", 3);
const registered = cleanupOnInterrupt("dvms-real", () => tb.release());
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

interface Round { demand: number; timeToSolve: number | null; migrations: number }
const rounds: Round[] = [];
let agentsOnNodes = true;
let controllerMigrations = -1;
let resets = 0;
const migrationSeconds: number[] = [];
try {
  const nodes = await tb.deploy(await tb.reserve({ nodes: NODES, cores: CORES }, ctx), {}, ctx);
  const busy = nodes[0]!.name;
  const vms = await tb.bootVms([nodes[0]!], { perNode: GUESTS, memoryMiB: MEMORY_MIB }, ctx);
  const cluster = tb.cluster();
  for (let i = 0; i < ROUNDS; i++) {
    // Fresh agents each round (the bundle is found in place by its checksum), the guests all on the first node.
    const s = new ProcessDvmsScheduler(cluster, cluster.agentHosting!, OPTIONS);
    s.start(ctx);
    while (s.agents().filter((a) => a.pid !== null).length < NODES) await sleep(0.5);
    agentsOnNodes &&= s.agents().every((a) => {
      const node = nodes.find((n) => n.name === a.node)!;
      return a.pid !== null && readlinkSync(`/proc/${a.pid}/ns/net`) === `net:[${statSync(`/run/netns/${node.labels?.netns ?? node.name}`).ino}]`;
    });
    const seen = ctx.events.length;
    await tb.stress(vms, { kind: "constant", load: LOAD }, ctx);
    const t0 = Date.now();
    const events = () => ctx.events.slice(seen).filter((e) => e.event === "dvms-load" && e.node === busy);
    const over = () => events().find((e) => e.overloaded === true);
    // Solved: the ISP the overload started ends solved (its migrations done), on the agents' common clock.
    const under = () => ctx.events.slice(seen).find((e) => e.event === "dvms-isp-end" && e.outcome === "solved" && Number(e.at) > Number(over()?.at));
    while (!under() && Date.now() - t0 < ROUND_LIMIT_S * 1000) await sleep(1);
    await tb.stress(vms, { kind: "constant", load: 0 }, ctx);
    await s.stop();
    const moved = s.report().migrations.filter((m) => m.outcome === "ok");
    for (const m of moved) migrationSeconds.push(m.end - m.start);
    const demand = Number(over()?.demand ?? 0);
    const end = under();
    rounds.push({ demand: round(demand, 3)!, timeToSolve: end ? round(Number(end.at) - Number(over()!.at), 2)! : null, migrations: moved.length });
    console.log(`round ${i + 1}: ${over() ? `overload of ${demand.toFixed(2)} cores seen by ${busy}'s agent` : "no overload seen"}, ${end ? `solved in ${rounds.at(-1)!.timeToSolve} s` : "not solved"} with ${moved.length} migration(s)`);
    // Back to the start, agents stopped: these moves are the bench's, not the agents'.
    for (const v of (await tb.observe()).vms.filter((x) => x.node !== busy)) {
      if ((await tb.migrate(v.name, busy, ctx)).outcome === "ok") resets++;
    }
  }
  const metrics = await tb.collect(ctx);
  controllerMigrations = Number(metrics.counters.migrationsByTestbed) - resets;
} finally {
  await tb.release();
  registered();
}

// The simulator, calibrated: the migration speed measured here, each round's measured demand (doubled, as the capacity, to whole cores).
const speed = migrationSeconds.length > 0 ? (MEMORY_MIB * 1024 * 1024) / median(migrationSeconds)! : undefined;
const simTimes: number[] = [];
for (const r of rounds.filter((x) => x.demand > 0)) {
  const sim = createSimCluster({ seed: 3, nodes: NODES, cores: 1, vmsPerNode: GUESTS, vmMemoryMiB: MEMORY_MIB, migrationSpeed: speed, dirtyIntensity: 0.1 });
  const dvms = createDvms(sim.runtime, { ...OPTIONS, seed: 3 });
  dvms.start();
  for (const [vm, node] of sim.placement()) sim.setVmLoad(vm, node === "pm-0000" ? Math.min(1, (2 * r.demand) / GUESTS) : 0);
  sim.run(ROUND_LIMIT_S);
  const first = overloads(sim.metrics()).filter((o) => o.solved).sort((a, b) => a.start - b.start)[0];
  if (first) simTimes.push(first.timeToSolve);
}

const solved = rounds.filter((r) => r.timeToSolve !== null);
const figures = {
  nodes: NODES,
  guests: GUESTS,
  agentsOnNodes,
  overloads: rounds.filter((r) => r.demand > 0).length,
  solved: solved.length,
  controllerMigrations,
  agentMigrations: migrationSeconds.length,
  resetMigrations: resets,
  medianMigrationS: round(median(migrationSeconds) ?? Number.NaN, 2),
  medianTimeToSolveS: round(median(solved.map((r) => r.timeToSolve!)) ?? Number.NaN, 2),
  simMedianTimeToSolveS: round(median(simTimes) ?? Number.NaN, 2),
  simMigrationSpeedMiBs: speed === undefined ? null : round(speed / 1048576, 1),
  rounds,
};
console.log(JSON.stringify(figures));
