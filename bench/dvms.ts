/**
 * DVMS benchmark: the VMPlaceS injector (gaussian load) on PMs of 6 cores x
 * 8 VMs, once without a scheduler and once with DVMS (ring overlay, Entropy
 * in partitions), same seed. Two cases: nominal (mean load 0.6 at 1K, 5K and
 * 10K PMs, about 80 % of the cores used) and over capacity (mean load 0.8 at
 * 1K PMs: more demand than the datacenter holds, many overloads cannot be
 * solved). Figures follow docs/metrics.md: time to solve is an overload's
 * start to its end (the same as the headline), the ISP's own lifetime is
 * `ispDuration`. Last line: one JSON object.
 *
 *   npm run bench:dvms                                   both cases, default scales
 *   npm run bench:dvms -- --scales 1000 --over 1000      chosen scales (0 or empty: skip the case)
 */
import { loadavg } from "node:os";
import { overloads, schedulingFigures, type SchedulingFigures } from "../engine/metrics/figures.ts";
import { mean, median, quantile, round } from "../engine/metrics/stats.ts";
import { createDvms } from "../plugins/dvms/index.ts";
import { createSimCluster } from "../plugins/sim/index.ts";
import { param } from "../engine/dsl/params.ts";
import { benchArgs } from "./args.ts";

const SIMULATED_SECONDS = 900;
const VMS_PER_PM = 8;
const CORES = 6;
const SEED = 1;
const CASES = {
  /** 8 VMs of 1 vCPU on 6 cores at mean 0.6: about 80 % mean use, overloads occur and can be solved. */
  nominal: { load: { kind: "gaussian", mean: 0.6, std: 0.2 }, scales: [1000, 5000, 10000] },
  /** Mean 0.8: 6.4 cores demanded per 6-core PM on average, the datacenter is over capacity. */
  overCapacity: { load: { kind: "gaussian", mean: 0.8, std: 0.2 }, scales: [1000] },
} as const;
/** Over capacity, at 1,000 PMs: simulated seconds per wall second at least this. */
const TARGET_SIM_PER_WALL = 100;

type CaseName = keyof typeof CASES;

interface Run extends SchedulingFigures {
  wallSeconds: number;
  simulatedPerWallSecond: number;
  /** This process's CPU (user + system) for the run: on a shared machine the wall time also counts other processes. */
  cpuSeconds: number;
  simulatedPerCpuSecond: number;
}

interface ScaleResult {
  case: CaseName;
  pms: number;
  vms: number;
  none: Run;
  dvms: Run & {
    isps: number;
    solved: number;
    dissolved: number;
    timedOut: number;
    unsolvable: number;
    /** ISPs that ended merged into another partition (counted in their outcome too). */
    merged: number;
    unfinished: number;
    medianIspDuration: number | null;
    p90IspDuration: number | null;
    meanPartitionSize: number | null;
    p90PartitionSize: number | null;
    maxPartitionSize: number | null;
    meanHops: number | null;
    messages: number;
  };
}

function runOnce(c: CaseName, pms: number, withDvms: boolean) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const sim = createSimCluster({ seed: SEED, nodes: pms, cores: CORES, vmsPerNode: VMS_PER_PM, load: CASES[c].load });
  const dvms = withDvms ? createDvms(sim.runtime, { seed: SEED }) : null;
  dvms?.start();
  sim.run(SIMULATED_SECONDS);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const metrics = sim.metrics();
  const report = dvms?.report() ?? { scheduler: "none", computeSeconds: 0, decisions: 0, migrations: [], tables: {} };
  const run: Run = {
    ...schedulingFigures(overloads(metrics), metrics, report),
    wallSeconds: round(wallSeconds)!,
    simulatedPerWallSecond: round(SIMULATED_SECONDS / wallSeconds, 1)!,
    cpuSeconds: round(cpuSeconds)!,
    simulatedPerCpuSecond: round(SIMULATED_SECONDS / cpuSeconds, 1)!,
  };
  return { run, dvms, metrics };
}

function measure(c: CaseName, pms: number): ScaleResult {
  const none = runOnce(c, pms, false).run;
  const { run, dvms, metrics } = runOnce(c, pms, true);
  const isps = dvms!.isps();
  const ended = isps.flatMap((r) => (r.end === null ? [] : [{ ...r.end, ispDuration: r.end.at - r.start }]));
  const count = (outcome: string) => ended.filter((e) => e.outcome === outcome).length;
  const durations = ended.map((e) => e.ispDuration);
  const sizes = ended.map((e) => e.size);
  return {
    case: c,
    pms,
    vms: pms * VMS_PER_PM,
    none,
    dvms: {
      ...run,
      isps: isps.length,
      solved: count("solved"),
      dissolved: count("dissolved"),
      timedOut: count("timed-out"),
      unsolvable: count("unsolvable"),
      merged: ended.filter((e) => e.mergedInto !== null).length,
      unfinished: isps.length - ended.length,
      medianIspDuration: round(median(durations)),
      p90IspDuration: round(quantile(durations, 0.9)),
      meanPartitionSize: round(mean(sizes)),
      p90PartitionSize: round(quantile(sizes, 0.9)),
      maxPartitionSize: sizes.length > 0 ? sizes.reduce((a, b) => Math.max(a, b)) : null,
      meanHops: round(mean(ended.map((e) => e.hops))),
      messages: metrics.counters.messagesSent,
    },
  };
}

// 0 or an empty list: skip the case
const scalesFlag = (fallback: readonly number[], what: string) => param.list(param.int(0, "", { min: 0 }), fallback, `PM counts of the ${what} case`);
const values = benchArgs({
  name: "dvms",
  description: "DVMS against no scheduler on the simulator (VMPlaceS gaussian load, PMs of 6 cores x 8 VMs), nominal and over capacity. Last line: one JSON object.",
  flags: { scales: scalesFlag(CASES.nominal.scales, "nominal (mean load 0.6)"), over: scalesFlag(CASES.overCapacity.scales, "over-capacity (mean load 0.8)") },
  examples: ["npm run bench:dvms -- --scales 1000 --over 1000", "npm run bench:dvms -- --scales 0 --over 1000    over capacity only"],
});
const plan: [CaseName, number[]][] = [
  ["nominal", values.scales.filter((n) => n > 0)],
  ["overCapacity", values.over.filter((n) => n > 0)],
];
const results: ScaleResult[] = [];
console.log(`DVMS vs no scheduler: ${VMS_PER_PM} VMs (1 vCPU, 1 GiB) per PM of ${CORES} cores, gaussian load, ${SIMULATED_SECONDS} simulated s, seed ${SEED}`);
for (const [c, scales] of plan) {
  for (const pms of scales) {
    const r = measure(c, pms);
    results.push(r);
    const d = r.dvms;
    console.log(
      `${c} (load mean ${CASES[c].load.mean}) ${pms} PMs: ${d.violations} overloads (${d.unsolved} unsolved at the end), median time to solve ${d.medianTimeToSolve} s (p90 ${d.p90TimeToSolve} s) vs ${r.none.medianTimeToSolve} s without; ` +
        `violation time ${d.violationSeconds} s vs ${r.none.violationSeconds} s; ISPs ${d.isps} (solved ${d.solved}, unsolvable ${d.unsolvable}, dissolved ${d.dissolved}, timed out ${d.timedOut}, merged ${d.merged}, unfinished ${d.unfinished}), ` +
        `median ISP duration ${d.medianIspDuration} s, partition size mean ${d.meanPartitionSize} (p90 ${d.p90PartitionSize}, max ${d.maxPartitionSize}), ${d.migrations} migrations; ` +
        `wall ${d.wallSeconds} s = ${d.simulatedPerWallSecond} simulated s per wall s, CPU ${d.cpuSeconds} s = ${d.simulatedPerCpuSecond} per CPU s (no scheduler ${r.none.wallSeconds} s)`,
    );
  }
}
const over = results.find((r) => r.case === "overCapacity" && r.pms === 1000);
const meetsTarget = over ? over.dvms.simulatedPerWallSecond >= TARGET_SIM_PER_WALL : null;
console.log(JSON.stringify({ bench: "dvms", loadAverage: loadavg().map((l) => round(l, 2)), simulatedSeconds: SIMULATED_SECONDS, vmsPerPm: VMS_PER_PM, cores: CORES, seed: SEED, cases: CASES, target: { overCapacityPms: 1000, simulatedPerWallSecond: TARGET_SIM_PER_WALL }, meetsTarget, results }));
