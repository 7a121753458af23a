/**
 * Entropy solver benchmark. For each shared BtrPlace instance: read time,
 * solve time, migrations, plan duration and cost, median of 3 runs (the
 * target is < 5 s wall per 5,000-node instance). Then one Entropy period on
 * synthetic VMPlaceS-like observations (8 VMs per node, loads N(60 %, 20 %))
 * at 1K/5K/10K nodes: what the simulated scheduler pays per decision.
 * Last line: one JSON object.
 *
 *   npm run bench:solver               everything
 *   npm run bench:solver -- li3 nr6    chosen instances (no synthetic runs)
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Observation } from "../engine/cluster.ts";
import { entropySolver, solveObservation } from "../plugins/entropy/index.ts";
import { median, round } from "../engine/metrics/stats.ts";

const DATA = fileURLToPath(new URL("../../shared/data/btrplace-std-perf/", import.meta.url));
const INSTANCES = ["issue-100", "li3", "li4", "li5", "li6", "nr3", "nr4", "nr5", "nr6"];
const RUNS = 3;
const TIME_LIMIT = 60;
const TARGET_SECONDS_5000 = 5;

const r3 = (x: number | null): number => round(x) ?? Number.NaN;

async function instance(name: string) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const s = await entropySolver.solveInstanceFile(join(DATA, `${name}.json.gz`), { timeLimitSeconds: TIME_LIMIT });
    runs.push({ ...s, wall: (performance.now() - t0) / 1000 });
  }
  const s = runs[0];
  return {
    instance: name,
    nodes: s.nodes,
    vms: s.vms,
    status: s.status,
    solveSeconds: r3(median(runs.map((r) => r.solveSeconds))),
    wallSeconds: r3(median(runs.map((r) => r.wall))),
    migrations: s.migrations,
    actions: s.actions,
    planDuration: r3(s.planDuration),
    cost: r3(s.cost),
    managedVms: s.managedVms,
    work: s.work,
  };
}

function observation(nodes: number, seed: number): Observation {
  const rng = xoroshiro128plus(seed);
  // Box-Muller on two uniforms in (0, 1].
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng));
  const names = Array.from({ length: nodes }, (_, i) => `pm-${i}`);
  const vms = names.flatMap((node, n) =>
    Array.from({ length: 8 }, (_, j) => {
      const load = Math.min(1, Math.max(0, 0.6 + 0.2 * gauss()));
      return { name: `vm-${n * 8 + j}`, node, vcpus: 1, memoryMiB: 1024, cpuDemand: Math.round(load * 10) / 10, migrating: false };
    }),
  );
  return { time: 0, nodes: names.map((name) => ({ name, cores: 6, memoryMiB: 32768, online: true })), vms };
}

function period(nodes: number) {
  const obs = observation(nodes, 1);
  const overloaded = new Set(
    obs.nodes.filter((n) => obs.vms.filter((v) => v.node === n.name).reduce((s, v) => s + v.cpuDemand, 0) > n.cores + 1e-9).map((n) => n.name),
  ).size;
  const runs = Array.from({ length: RUNS }, () => solveObservation(obs, { timeLimitSeconds: TIME_LIMIT }));
  return {
    nodes,
    vms: nodes * 8,
    overloadedNodes: overloaded,
    status: runs[0].status,
    solveSeconds: r3(median(runs.map((r) => r.seconds))),
    migrations: runs[0].actions.length,
    planDuration: r3(Math.max(0, ...runs[0].actions.map((a) => a.end))),
    work: runs[0].work,
  };
}

const chosen = process.argv.slice(2);
const instances = [];
for (const name of chosen.length > 0 ? chosen : INSTANCES) {
  const row = await instance(name);
  instances.push(row);
  console.log(
    `${row.instance.padEnd(9)} ${String(row.nodes).padStart(5)} nodes ${String(row.vms).padStart(6)} VMs  ${row.status}  solve ${row.solveSeconds.toFixed(3)} s  wall ${row.wallSeconds.toFixed(3)} s  ${row.migrations} migrations  ${row.actions} actions  plan ${row.planDuration} s  managed ${row.managedVms}`,
  );
}
const periods = [];
if (chosen.length === 0) {
  for (const nodes of [1000, 5000, 10000]) {
    const row = period(nodes);
    periods.push(row);
    console.log(
      `period   ${String(nodes).padStart(5)} nodes ${String(row.vms).padStart(6)} VMs  ${row.status}  solve ${row.solveSeconds.toFixed(3)} s  ${row.overloadedNodes} overloaded  ${row.migrations} migrations  work ${row.work}`,
    );
  }
}
const big = instances.filter((r) => r.nodes >= 5000);
console.log(
  JSON.stringify({
    bench: "solver",
    runs: RUNS,
    instances,
    periods,
    target: { wallSecondsPer5000Nodes: TARGET_SECONDS_5000, met: big.every((r) => r.wallSeconds < TARGET_SECONDS_5000) },
  }),
);
