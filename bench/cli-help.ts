/** Wall time of `g5k-flow --help` (target: under 0.5 s), median of 15 runs after one warm-up. */
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { median as medianOf } from "../engine/metrics/stats.ts";
import { benchArgs } from "./args.ts";

benchArgs({ name: "cli", description: "Wall time of `g5k-flow --help`: median of 15 runs after one warm-up (target < 0.5 s). Last line: one JSON object.", flags: {} });

const root = fileURLToPath(new URL("../", import.meta.url));
const times: number[] = [];
for (let i = 0; i <= 15; i++) {
  const start = performance.now();
  const r = await execa("node", ["bin/g5k-flow.js", "--help"], { cwd: root });
  if (!r.stdout.includes("Usage: g5k-flow")) throw new Error("--help printed no usage");
  if (i > 0) times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const median = medianOf(times) ?? Number.NaN;
console.log(`g5k-flow --help: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms over ${times.length} runs (target < 500 ms)`);
console.log(JSON.stringify({ bench: "cli-help", runs: times.length, medianMs: Math.round(median), minMs: Math.round(times[0]), maxMs: Math.round(times.at(-1) ?? 0), targetMs: 500 }));
