/**
 * Sim testbed benchmark: the VMPlaceS injector with no scheduler at 1K, 2K,
 * 5K, 10K, 100K and 1M PMs x 8 VMs for 1800 simulated seconds. Each scale runs in its
 * own child process so its peak RSS is its own. Last line: one JSON object.
 *
 *   npm run bench:sim                     all scales
 *   npm run bench:sim -- --scales 1000    chosen scales
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { param } from "../engine/dsl/params.ts";
import { createSimCluster } from "../plugins/sim/index.ts";
import { benchArgs, optional } from "./args.ts";

const SIMULATED_SECONDS = 1800;
const VMS_PER_PM = 8;
const DEFAULT_SCALES = [1000, 2000, 5000, 10000, 100000, 1000000];
const args = benchArgs({
  name: "sim",
  description: "The VMPlaceS injector with no scheduler, 8 VMs per PM, 1800 simulated s; each scale in its own child process. Last line: one JSON object.",
  flags: {
    scales: param.list(param.int(0, "", { min: 1 }), DEFAULT_SCALES, "PM counts"),
    child: optional(param.int(0, "measure this PM count here (the parent's child process)", { min: 1 })),
  },
  hidden: ["child"],
  examples: ["npm run bench:sim -- --scales 1000,10000"],
});
const TARGETS = [
  { pms: 10000, wallSeconds: 30, peakRssMiB: 2048 },
  { pms: 1000000, wallSeconds: 20, peakRssMiB: 1024 },
];

interface ScaleResult {
  pms: number;
  vms: number;
  simulatedSeconds: number;
  setupSeconds: number;
  wallSeconds: number;
  /** CPU time of the child (user + system): what the wall time would be on an idle core, on a shared machine. */
  cpuSeconds: number;
  events: number;
  eventsPerSecond: number;
  peakRssMiB: number;
}

function measure(pms: number): ScaleResult {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cluster = createSimCluster({ seed: 1, nodes: pms, vmsPerNode: VMS_PER_PM, load: { kind: "gaussian", mean: 0.6, std: 0.2 } });
  const t1 = performance.now();
  cluster.run(SIMULATED_SECONDS);
  const events = cluster.metrics().counters.events;
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const runSeconds = (t2 - t1) / 1000;
  return {
    pms,
    vms: pms * VMS_PER_PM,
    simulatedSeconds: SIMULATED_SECONDS,
    setupSeconds: round((t1 - t0) / 1000),
    wallSeconds: round((t2 - t0) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    events,
    eventsPerSecond: Math.round(events / runSeconds),
    // resourceUsage().maxRSS is the process's peak resident set, in KiB.
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function runChild(pms: number): ScaleResult {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", String(pms)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`scale ${pms} failed (exit ${child.status}): ${child.stderr}`);
  const lines = child.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as ScaleResult;
}

if (args.child !== undefined) {
  console.log(JSON.stringify(measure(args.child)));
} else {
  const results: ScaleResult[] = [];
  for (const pms of args.scales) {
    const r = runChild(pms);
    results.push(r);
    console.log(
      `${String(r.pms).padStart(6)} PMs ${String(r.vms).padStart(6)} VMs  ${r.simulatedSeconds} s simulated  wall ${r.wallSeconds.toFixed(3)} s (setup ${r.setupSeconds.toFixed(3)} s, CPU ${r.cpuSeconds.toFixed(3)} s)  ` +
        `${r.events} events  ${r.eventsPerSecond.toLocaleString("en")} events/s  peak RSS ${r.peakRssMiB.toFixed(1)} MiB`,
    );
  }
  const targets = TARGETS.map((t) => {
    const r = results.find((x) => x.pms === t.pms);
    return { ...t, met: r ? r.wallSeconds < t.wallSeconds && r.peakRssMiB < t.peakRssMiB : null };
  });
  console.log(JSON.stringify({ benchmark: "sim", node: process.version, targets, scales: results }));
}
