/**
 * The headline comparison (workflows/dvms-vs-entropy.ts): wall time and peak
 * memory of the whole run and every scheduler's figures per scale, with
 * Entropy's compute per decision against its 30 s period. The workflow runs
 * in a child process, which prints its peak RSS and CPU time when it exits (bench/peak-rss.mjs).
 *
 *   npm run bench:headline                                       500 .. 10,000 PMs, all schedulers
 *   npm run bench:headline -- --scales 100000                    chosen scales
 *   npm run bench:headline -- --scales 1000000 --schedulers dvms,none --duration 30m
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadavg } from "node:os";

const root = fileURLToPath(new URL("../", import.meta.url));
const ENTROPY_PERIOD_SECONDS = 30;
const { values } = parseArgs({
  options: {
    scales: { type: "string", default: process.env.SCALES ?? "500,1000,2000,4000,10000" },
    schedulers: { type: "string", default: "entropy,dvms,none" },
    duration: { type: "string", default: "30m" },
    repeats: { type: "string", default: "1" },
  },
});
const args = ["bin/g5k-flow.js", "run", "workflows/dvms-vs-entropy.ts", "--param", `scales=${values.scales}`, "--param", `schedulers=${values.schedulers}`, "--param", `duration=${values.duration}`, "--param", `repeats=${values.repeats}`, "--json"];
const load = loadavg()[0];
const started = performance.now();
// the million-PM runs need more than the default heap
const result = spawnSync(process.execPath, ["--max-old-space-size=16384", "--import", "./bench/peak-rss.mjs", ...args], { cwd: root, env: { ...process.env, CI: "1" }, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
const wallSeconds = (performance.now() - started) / 1000;
const stderrLines = result.stderr.trim().split("\n");
const exit = /^peak-rss-kib (\d+) cpu-ms (\d+)$/.exec(stderrLines.at(-1) ?? "");
const peakRssMiB = Math.round(Number(exit?.[1] ?? Number.NaN) / 1024);
// on a shared machine the wall time depends on the load; the CPU time is what one idle core would take (plus GC threads)
const cpuSeconds = Number((Number(exit?.[2] ?? Number.NaN) / 1000).toFixed(1));
if (result.status !== 0) {
  console.error(`headline run failed (exit ${result.status}): ${stderrLines.slice(-5).join("\n")}`);
  process.exit(1);
}
const { run, summary } = JSON.parse(result.stdout) as { run: string; summary: { results: Record<string, number | string | null>[] } };

console.log(`\nscale  scheduler  overloads  violation s  median solve s  p90 solve s  migrations  compute s  compute s/decision  (Entropy period ${ENTROPY_PERIOD_SECONDS} s)`);
for (const r of summary.results) {
  console.log(
    [String(r.scale).padStart(7), String(r.scheduler).padEnd(9), String(r.violations).padStart(9), String(r.violationSeconds).padStart(11), String(r.medianTimeToSolve).padStart(14), String(r.p90TimeToSolve).padStart(11), String(r.migrations).padStart(10), String(r.computeSeconds).padStart(9), String(r.meanComputeSeconds).padStart(9)].join("  "),
  );
}
const entropy = summary.results.filter((r) => r.scheduler === "entropy").map((r) => ({ scale: r.scale, computePerDecision: r.meanComputeSeconds, shareOfPeriod: typeof r.meanComputeSeconds === "number" ? Number((r.meanComputeSeconds / ENTROPY_PERIOD_SECONDS).toFixed(4)) : null }));
console.log(`\nwall time ${wallSeconds.toFixed(1)} s, CPU time ${cpuSeconds} s, peak RSS ${peakRssMiB} MiB, load average ${load.toFixed(2)} at start; archive and report: ${run}`);
console.log(
  JSON.stringify({ bench: "headline", scales: values.scales.split(",").map(Number), schedulers: values.schedulers.split(","), duration: values.duration, repeats: Number(values.repeats), wallSeconds: Number(wallSeconds.toFixed(1)), cpuSeconds, peakRssMiB, loadAverage: Number(load.toFixed(2)), entropyPeriodSeconds: ENTROPY_PERIOD_SECONDS, entropy, run, results: summary.results }),
);
