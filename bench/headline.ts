/**
 * The headline comparison (workflows/dvms-vs-entropy.ts): wall time and peak
 * memory of the whole run and every scheduler's figures per scale, with
 * Entropy's compute per decision against its 30 s period. The workflow runs
 * in a child process whose points are spread over `--workers` worker
 * processes (`run --workers local:N`, default one per core, at most one per
 * point; 1 runs them all in the child itself). Every process prints its peak
 * RSS and CPU time when it exits (bench/peak-rss.mjs, preloaded through
 * NODE_OPTIONS so the workers get it too); each point's CPU is in the journal.
 *
 *   npm run bench:headline                                       500 .. 10,000 PMs, all schedulers
 *   npm run bench:headline -- --scales 100000                    chosen scales
 *   npm run bench:headline -- --scales 1000000 --schedulers dvms,none --duration 30m
 *   npm run bench:headline -- --scales 1000 --workers 1          one process
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism, loadavg } from "node:os";
import { param } from "../engine/dsl/params.ts";
import headline from "../workflows/dvms-vs-entropy.ts";
import { asText, benchArgs, optional } from "./args.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const ENTROPY_PERIOD_SECONDS = 30;
// the workflow's own param specs: a value it would refuse is refused here, before the run starts
const { params } = headline;
const values = benchArgs({
  name: "headline",
  description: "workflows/dvms-vs-entropy.ts in a child process: wall time, CPU, peak memory and every scheduler's figures per scale, Entropy's compute per decision against its 30 s period. Last line: one JSON object.",
  flags: {
    scales: { ...params.scales, default: [500, 1000, 2000, 4000, 10000] },
    schedulers: params.schedulers,
    duration: asText(params.duration, "30m"),
    repeats: params.repeats,
    workers: optional(param.int(0, "worker processes (run --workers local:N; 1: the child runs every point itself; default one per core, at most one per point)", { min: 1 })),
  },
  env: { scales: "SCALES" },
  examples: ["npm run bench:headline -- --scales 100000", "npm run bench:headline -- --scales 1000000 --schedulers dvms,none --duration 30m", "npm run bench:headline -- --scales 1000 --workers 1"],
});
const points = values.scales.length * values.schedulers.length * values.repeats;
const workers = values.workers ?? Math.min(availableParallelism(), points);
const args = ["bin/g5k-flow.js", "run", "workflows/dvms-vs-entropy.ts", "--param", `scales=${values.scales}`, "--param", `schedulers=${values.schedulers}`, "--param", `duration=${values.duration}`, "--param", `repeats=${values.repeats}`, "--json", ...(workers > 1 ? ["--workers", `local:${workers}`] : [])];
const load = loadavg()[0];
const started = performance.now();
// the million-PM runs need more than the default heap; NODE_OPTIONS reaches the worker processes too
const nodeOptions = `--max-old-space-size=16384 --import=${join(root, "bench/peak-rss.mjs")}`;
const result = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, CI: "1", NODE_OPTIONS: nodeOptions }, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
const wallSeconds = (performance.now() - started) / 1000;
const stderrLines = result.stderr.trim().split("\n");
if (result.status !== 0) {
  console.error(`headline run failed (exit ${result.status}): ${stderrLines.slice(-5).join("\n")}`);
  process.exit(1);
}
const { run, summary } = JSON.parse(result.stdout) as { run: string; summary: { results: Record<string, number | string | null>[] } };

/** Peak RSS (MiB) and CPU seconds a process printed at exit (bench/peak-rss.mjs), from its stderr's last line. */
function exitFigures(stderr: string): { peakRssMiB: number; cpuSeconds: number } {
  const exit = /^peak-rss-kib (\d+) cpu-ms (\d+)$/.exec(stderr.trim().split("\n").at(-1) ?? "");
  return { peakRssMiB: Math.round(Number(exit?.[1] ?? Number.NaN) / 1024), cpuSeconds: Number(exit?.[2] ?? Number.NaN) / 1000 };
}
const controller = exitFigures(result.stderr);
const runDir = resolve(root, run);
const workerDir = join(runDir, "workers");
const workerFigures = workers > 1 ? readdirSync(workerDir).filter((f) => f.endsWith(".err")).map((f) => exitFigures(readFileSync(join(workerDir, f), "utf8"))) : [];
const processes = [controller, ...workerFigures];
// on a shared machine the wall time depends on the load; the CPU time (every process, GC threads included) is what idle cores would take
const cpuSeconds = Number(processes.reduce((sum, p) => sum + p.cpuSeconds, 0).toFixed(1));
// the workers run at once: the sum of their peaks bounds the memory the run held together
const peakRssMiB = processes.reduce((sum, p) => sum + p.peakRssMiB, 0);
const pointCpu = readFileSync(join(runDir, "journal.jsonl"), "utf8").trim().split("\n").flatMap((line) => {
  const e = JSON.parse(line) as { event: string; point?: string; status?: string; cpuSeconds?: number };
  return e.event === "point-end" && e.status === "done" ? [{ point: e.point, cpuSeconds: e.cpuSeconds }] : [];
});

console.log(`\nscale  scheduler  overloads  violation s  median solve s  p90 solve s  migrations  compute s  compute s/decision  (Entropy period ${ENTROPY_PERIOD_SECONDS} s)`);
for (const r of summary.results) {
  console.log(
    [String(r.scale).padStart(7), String(r.scheduler).padEnd(9), String(r.violations).padStart(9), String(r.violationSeconds).padStart(11), String(r.medianTimeToSolve).padStart(14), String(r.p90TimeToSolve).padStart(11), String(r.migrations).padStart(10), String(r.computeSeconds).padStart(9), String(r.meanComputeSeconds).padStart(9)].join("  "),
  );
}
const entropy = summary.results.filter((r) => r.scheduler === "entropy").map((r) => ({ scale: r.scale, computePerDecision: r.meanComputeSeconds, shareOfPeriod: typeof r.meanComputeSeconds === "number" ? Number((r.meanComputeSeconds / ENTROPY_PERIOD_SECONDS).toFixed(4)) : null }));
for (const p of pointCpu) console.log(`point ${p.point}: ${p.cpuSeconds} CPU s`);
console.log(`\nwall time ${wallSeconds.toFixed(1)} s, CPU time ${cpuSeconds} s, peak RSS ${peakRssMiB} MiB (${processes.map((p) => p.peakRssMiB).join(" + ")}), ${workers > 1 ? `${workers} workers` : "one process"}, load average ${load.toFixed(2)} at start; archive and report: ${run}`);
console.log(
  JSON.stringify({ bench: "headline", scales: values.scales, schedulers: values.schedulers, duration: values.duration, repeats: values.repeats, workers, wallSeconds: Number(wallSeconds.toFixed(1)), cpuSeconds, peakRssMiB, processPeakRssMiB: processes.map((p) => p.peakRssMiB), pointCpu, loadAverage: Number(load.toFixed(2)), entropyPeriodSeconds: ENTROPY_PERIOD_SECONDS, entropy, run, results: summary.results }),
);
