/**
 * A 12-point headline sweep (4 scales x 3 schedulers, simulated) run by one
 * process, then by local:1, local:2 and oar:2 workers (the real OAR of
 * `testbed setup local --oar`, set up here if needed): wall time of each,
 * whether every point ran exactly once, and whether each summary is
 * bit-identical to the single process's. --scales (or SCALES) sets the scales.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import headline from "../workflows/dvms-vs-entropy.ts";
import { benchArgs } from "./args.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const { scales } = benchArgs({
  name: "workers",
  description: "A 12-point headline sweep (4 scales x 3 schedulers, simulated) by one process, then by local:1, local:2 and oar:2 workers: wall time, each point run once, summaries bit-identical. Sets up the local OAR if needed (root). Last line: one JSON object.",
  // the workflow's own spec: a scale it would refuse is refused here
  flags: { scales: { ...headline.params.scales, default: [500, 1000, 1500, 2000] } },
  env: { scales: "SCALES" },
});
const args = ["bin/g5k-flow.js", "run", "workflows/dvms-vs-entropy.ts", "--param", `scales=${scales}`, "--seed", "3", "--json"];

async function run(workers: string | null): Promise<{ wall: number; summary: string; doneOnce: boolean; points: number }> {
  const results = mkdtempSync(join(tmpdir(), "g5k-bench-workers-"));
  chmodSync(results, 0o755); // OAR workers run as the OAR job user
  const started = performance.now();
  const r = await execa("node", [...args, "--results", results, ...(workers ? ["--workers", workers] : [])], { cwd: root, reject: false, env: { CI: "1" } });
  const wall = (performance.now() - started) / 1000;
  if (r.exitCode !== 0) throw new Error(`${workers ?? "single"} run failed (exit ${r.exitCode}): ${r.stderr.split("\n").slice(-3).join(" ")}`);
  const dir = join(results, readdirSync(results)[0]!);
  const done = new Map<string, number>();
  for (const line of readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n")) {
    const e = JSON.parse(line) as { event: string; status?: string; point?: string };
    if (e.event === "point-end" && e.status === "done") done.set(e.point!, (done.get(e.point!) ?? 0) + 1);
  }
  const points = (JSON.parse(readFileSync(join(dir, "sweeps", "compare", "points.json"), "utf8")) as { points: string[] }).points.length;
  const doneOnce = done.size === points && [...done.values()].every((n) => n === 1);
  console.error(`${(workers ?? "single").padEnd(8)} ${wall.toFixed(1).padStart(6)} s  ${done.size}/${points} points, each once: ${doneOnce}`);
  return { wall, summary: JSON.stringify(JSON.parse(r.stdout).summary), doneOnce, points };
}

const setup = await execa("node", ["bin/g5k-flow.js", "testbed", "setup", "local", "--oar"], { cwd: root, reject: false });
if (setup.exitCode !== 0) throw new Error(`testbed setup local --oar failed: ${setup.stderr.trim()}`);
const load = loadavg()[0]!;
const single = await run(null);
const local1 = await run("local:1");
const local2 = await run("local:2");
const oar2 = await run("oar:2");
const spread = [local1, local2, oar2];
const round = (x: number): number => Number(x.toFixed(1));
console.log(JSON.stringify({
  bench: "workers",
  scales,
  points: single.points,
  doneOnce: [single, ...spread].every((r) => r.doneOnce),
  identicalToSingle: spread.every((r) => r.summary === single.summary),
  singleSeconds: round(single.wall),
  local1Seconds: round(local1.wall),
  local2Seconds: round(local2.wall),
  oar2Seconds: round(oar2.wall),
  local2SpeedupOverLocal1: Number((local1.wall / local2.wall).toFixed(2)),
  loadBefore: round(load),
  loadAfter: round(loadavg()[0]!),
}));
