/**
 * The headline comparison at the papers' scales (500 .. 10,000 PMs, 8 VMs
 * each): wall time of the whole run and both schedulers' figures per scale.
 * Target: under 10 minutes on a 2-core machine.
 */
import { execa } from "execa";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const scales = process.env.SCALES ?? "500,1000,2000,4000,10000";
const started = performance.now();
const result = await execa("node", ["bin/g5k-flow.js", "run", "workflows/dvms-vs-entropy.ts", "--param", `scales=${scales}`, "--json"], { cwd: root, reject: false, env: { CI: "1" }, stderr: "inherit" });
const wallSeconds = (performance.now() - started) / 1000;
if (result.exitCode !== 0) {
  console.error(`headline run failed (exit ${result.exitCode}): ${result.stdout}`);
  process.exit(1);
}
const { run, summary } = JSON.parse(result.stdout) as { run: string; summary: { results: Record<string, number | string | null>[] } };

console.log(`\nscale  scheduler  overloads  violation s  median solve s  p90 solve s  migrations  compute s  mean compute s/decision`);
for (const r of summary.results) {
  console.log(
    [String(r.scale).padStart(5), String(r.scheduler).padEnd(9), String(r.violations).padStart(9), String(r.violationSeconds).padStart(11), String(r.medianTimeToSolve).padStart(14), String(r.p90TimeToSolve).padStart(11), String(r.migrations).padStart(10), String(r.computeSeconds).padStart(9), String(r.meanComputeSeconds).padStart(9)].join("  "),
  );
}
console.log(`\nwall time ${wallSeconds.toFixed(1)} s (target < 600 s); archive and report: ${run}`);
console.log(JSON.stringify({ bench: "headline", scales: scales.split(",").map(Number), wallSeconds: Number(wallSeconds.toFixed(1)), targetSeconds: 600, run, results: summary.results }));
