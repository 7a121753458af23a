/**
 * DVMS benchmark: the VMPlaceS injector (gaussian load, mean 60 %, std 20 %)
 * on 1K, 5K and 10K PMs x 8 VMs, once without a scheduler and once with
 * DVMS (ring overlay, Entropy in partitions), same seed. Prints per scale the
 * median time to solve an overload (ISP duration, solved ISPs), ISP counts
 * by outcome and the cumulated violation time of both runs.
 * Last line: one JSON object.
 *
 *   npm run bench:dvms              all scales
 *   npm run bench:dvms -- 1000      chosen scales
 */
import { createSimCluster } from "../plugins/sim/index.ts";
import { createDvms } from "../plugins/dvms/index.ts";

const SIMULATED_SECONDS = 900;
const VMS_PER_PM = 8;
/** 8 VMs of 1 vCPU on 6 cores: about 80 % mean use, so overloads occur and can be solved. */
const CORES = 6;
const LOAD = { kind: "gaussian", mean: 0.6, std: 0.2 } as const;
const DEFAULT_SCALES = [1000, 5000, 10000];

interface Run {
  violationSeconds: number;
  violations: number;
  wallSeconds: number;
}

interface ScaleResult {
  pms: number;
  vms: number;
  none: Run;
  dvms: Run & {
    isps: number;
    solved: number;
    dissolved: number;
    timedOut: number;
    /** ISPs that ended merged into another partition (counted in their outcome too). */
    merged: number;
    unfinished: number;
    medianSolveSeconds: number | null;
    p90SolveSeconds: number | null;
    meanPartitionSize: number | null;
    meanHops: number | null;
    migrations: number;
    computeSeconds: number;
    messages: number;
  };
}

function cluster(pms: number) {
  return createSimCluster({ seed: 1, nodes: pms, cores: CORES, vmsPerNode: VMS_PER_PM, load: LOAD });
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

function measure(pms: number): ScaleResult {
  let t0 = performance.now();
  const bare = cluster(pms);
  bare.run(SIMULATED_SECONDS);
  const bareCounters = bare.metrics().counters;
  const none: Run = {
    violationSeconds: round(bareCounters.violationSeconds)!,
    violations: bareCounters.violations,
    wallSeconds: round((performance.now() - t0) / 1000)!,
  };

  t0 = performance.now();
  const sim = cluster(pms);
  const dvms = createDvms(sim.runtime);
  dvms.start();
  sim.run(SIMULATED_SECONDS);
  const counters = sim.metrics().counters;
  const isps = dvms.isps();
  const ended = isps.filter((r) => r.end !== null);
  const solved = ended.filter((r) => r.end!.outcome === "solved");
  const durations = solved.map((r) => r.end!.at - r.start).sort((a, b) => a - b);
  const report = dvms.report();
  return {
    pms,
    vms: pms * VMS_PER_PM,
    none,
    dvms: {
      violationSeconds: round(counters.violationSeconds)!,
      violations: counters.violations,
      wallSeconds: round((performance.now() - t0) / 1000)!,
      isps: isps.length,
      solved: solved.length,
      dissolved: ended.filter((r) => r.end!.outcome === "dissolved").length,
      timedOut: ended.filter((r) => r.end!.outcome === "timed-out").length,
      merged: ended.filter((r) => r.end!.mergedInto !== null).length,
      unfinished: isps.length - ended.length,
      medianSolveSeconds: round(quantile(durations, 0.5)),
      p90SolveSeconds: round(quantile(durations, 0.9)),
      meanPartitionSize: round(mean(ended.map((r) => r.end!.size))),
      meanHops: round(mean(ended.map((r) => r.end!.hops))),
      migrations: report.migrations.length,
      computeSeconds: round(report.computeSeconds)!,
      messages: counters.messagesSent,
    },
  };
}

const scales = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const results: ScaleResult[] = [];
console.log(`DVMS vs no scheduler: ${VMS_PER_PM} VMs (1 vCPU, 1 GiB) per PM of ${CORES} cores, gaussian load mean ${LOAD.mean} std ${LOAD.std}, ${SIMULATED_SECONDS} simulated s, seed 1`);
for (const pms of scales.length > 0 ? scales : DEFAULT_SCALES) {
  const r = measure(pms);
  results.push(r);
  const d = r.dvms;
  console.log(
    `${pms} PMs: ISPs ${d.isps} (solved ${d.solved}, dissolved ${d.dissolved}, timed out ${d.timedOut}, merged ${d.merged}, unfinished ${d.unfinished}); ` +
      `median solve ${d.medianSolveSeconds} s (p90 ${d.p90SolveSeconds} s), mean partition ${d.meanPartitionSize}, ${d.migrations} migrations; ` +
      `violation time ${d.violationSeconds} s with DVMS vs ${r.none.violationSeconds} s without; wall ${d.wallSeconds} s (no scheduler ${r.none.wallSeconds} s)`,
  );
}
console.log(JSON.stringify({ bench: "dvms", simulatedSeconds: SIMULATED_SECONDS, vmsPerPm: VMS_PER_PM, cores: CORES, load: LOAD, seed: 1, results }));
