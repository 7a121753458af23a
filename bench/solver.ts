/**
 * Entropy solver benchmark. For each shared BtrPlace instance: read time,
 * solve time, migrations, plan duration and cost, median of 3 runs (the
 * target is < 5 s wall per 5,000-node instance). Then one Entropy period on
 * synthetic VMPlaceS-like observations (8 VMs per node, loads N(60 %, 20 %))
 * at 1K/5K/10K nodes: what the simulated scheduler pays per decision.
 * Then the heuristic's optimality gap against the exact mode on generated
 * hard instances of 50, 200 and 500 nodes (plan cost, the sum of action end
 * times: median and worst over the seeds) with the exact mode's solve time,
 * and the two MIP candidates (HiGHS, javascript-lp-solver) on the same
 * complete models. Last line: one JSON object.
 *
 *   npm run bench:solver                          everything
 *   npm run bench:solver -- --instances li3,nr6   chosen instances (no synthetic runs)
 */
import { join } from "node:path";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Observation } from "../engine/cluster.ts";
import lpPackage, { type Model as LpModel, type SolveResult } from "javascript-lp-solver";
import { entropySolver, exactRuntime, hardInstance, loadExactSolver, parseInstance, repairModelLp, solve, solveObservation } from "../plugins/entropy/index.ts";
import { median, round } from "../engine/metrics/stats.ts";
import { param } from "../engine/dsl/params.ts";
import { DATA } from "../test/entropy/fixtures.ts";
import { benchArgs, optional } from "./args.ts";

const INSTANCES = ["issue-100", "li3", "li4", "li5", "li6", "nr3", "nr4", "nr5", "nr6"] as const;
const RUNS = 3;
const TIME_LIMIT = 60;
const TARGET_SECONDS_5000 = 5;
const GAP_SIZES = [50, 200, 500];
const GAP_SEEDS = 3;
/** The exact mode's budget per generated instance (the heuristic gets a fifth of it first). */
const EXACT_LIMIT = 30;
/** Per-candidate limit in the MIP comparison. */
const CANDIDATE_LIMIT = 60;

const chosen = benchArgs({
  name: "solver",
  description: "Entropy's solver on the shared BtrPlace instances (median of 3 runs), one Entropy period on synthetic observations at 1K/5K/10K nodes, the heuristic's gap to the exact mode, and the two MIP candidates. Last line: one JSON object.",
  flags: { instances: optional(param.list(param.choice(INSTANCES, "li3"), [], "instances to solve, and nothing else (default: every one, then the synthetic runs)")) },
  examples: ["npm run bench:solver -- --instances li3,nr6"],
}).instances;

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

const instances = [];
for (const name of chosen ?? INSTANCES) {
  const row = await instance(name);
  instances.push(row);
  console.log(
    `${row.instance.padEnd(9)} ${String(row.nodes).padStart(5)} nodes ${String(row.vms).padStart(6)} VMs  ${row.status}  solve ${row.solveSeconds.toFixed(3)} s  wall ${row.wallSeconds.toFixed(3)} s  ${row.migrations} migrations  ${row.actions} actions  plan ${row.planDuration} s  managed ${row.managedVms}`,
  );
}
const periods = [];
if (chosen === undefined) {
  for (const nodes of [1000, 5000, 10000]) {
    const row = period(nodes);
    periods.push(row);
    console.log(
      `period   ${String(nodes).padStart(5)} nodes ${String(row.vms).padStart(6)} VMs  ${row.status}  solve ${row.solveSeconds.toFixed(3)} s  ${row.overloadedNodes} overloaded  ${row.migrations} migrations  work ${row.work}`,
    );
  }
}
/** Heuristic vs exact on seeded hard instances: the gap in plan cost, and what the exact mode costs. */
function gap(nodes: number) {
  const rows = [];
  for (let seed = 1; seed <= GAP_SEEDS; seed++) {
    const p = parseInstance(hardInstance({ nodes, seed }).instance);
    const h = solve(p, { timeLimitSeconds: 10 });
    const e = solve(p, { timeLimitSeconds: EXACT_LIMIT, solver: "exact" });
    const hc = h.plan?.cost ?? NaN;
    const ec = e.plan?.cost ?? NaN;
    rows.push({ gapPct: ec > 0 ? ((hc - ec) / ec) * 100 : 0, heuristicSeconds: h.seconds, exactSeconds: e.seconds, optimal: e.exact?.optimal ?? false, complete: e.exact?.complete ?? false, kept: e.exact?.kept });
  }
  const gaps = rows.map((r) => r.gapPct);
  return {
    nodes,
    instances: rows.length,
    gapMedianPct: r3(median(gaps)),
    gapWorstPct: r3(Math.max(...gaps)),
    heuristicSecondsMedian: r3(median(rows.map((r) => r.heuristicSeconds))),
    exactSecondsMedian: r3(median(rows.map((r) => r.exactSeconds))),
    exactSecondsWorst: r3(Math.max(...rows.map((r) => r.exactSeconds))),
    provedOptimal: rows.filter((r) => r.optimal).length,
    completeModels: rows.filter((r) => r.complete).length,
    exactKept: rows.filter((r) => r.kept === "exact").length,
  };
}

// The package's types describe its CommonJS build; the ES module build Node loads exports the solver as default.
const solverLp = lpPackage as unknown as typeof lpPackage.default;

/** The LP-format text HiGHS reads, as javascript-lp-solver's JSON model (rows, objective, binaries). */
function jsModel(lp: string): LpModel {
  const [head, rest] = lp.split("\nSubject To\n");
  const [rowText, binText] = rest.split("\nBinary\n");
  const variables: Record<string, Record<string, number>> = {};
  const add = (expr: string, key: string): void => {
    for (const [, sign, coef, name] of expr.matchAll(/([+-]?)\s*(\d[\d.]*(?:e-?\d+)?)\s+(\w+)/g)) {
      (variables[name] ??= {})[key] = (sign === "-" ? -1 : 1) * Number(coef);
    }
  };
  add(head.replace(/^Minimize\n obj:/, ""), "cost");
  const constraints: Record<string, { max?: number; min?: number; equal?: number }> = {};
  for (const row of rowText.replace(/\n /g, " ").split("\n")) {
    const [, name, expr, op, rhs] = row.match(/^(\w+): (.*) (<=|>=|=) (\S+)$/) as RegExpMatchArray;
    add(expr, name);
    constraints[name] = op === "<=" ? { max: Number(rhs) } : op === ">=" ? { min: Number(rhs) } : { equal: Number(rhs) };
  }
  const binaries = Object.fromEntries(binText.replace("\nEnd\n", "").split(/\s+/).filter(Boolean).map((x) => [x, 1]));
  for (const x of Object.keys(binaries)) variables[x] ??= {};
  return { optimize: "cost", opType: "min", constraints, variables, binaries, options: { timeout: CANDIDATE_LIMIT * 1000 } } as LpModel;
}

/** Whether a javascript-lp-solver answer is a solution: every row holds, every binary is 0 or 1 (it may return a relaxed one on timeout). */
function satisfies(model: LpModel, result: SolveResult): boolean {
  const value = (x: string): number => Number(result[x] ?? 0);
  const rows = model.constraints as Record<string, { max?: number; min?: number; equal?: number }>;
  const vars = model.variables as Record<string, Record<string, number>>;
  const totals = new Map<string, number>();
  for (const [x, coefs] of Object.entries(vars)) for (const [row, c] of Object.entries(coefs)) totals.set(row, (totals.get(row) ?? 0) + c * value(x));
  const rowsHold = Object.entries(rows).every(([row, b]) => {
    const t = totals.get(row) ?? 0;
    return (b.max === undefined || t <= b.max + 1e-6) && (b.min === undefined || t >= b.min - 1e-6) && (b.equal === undefined || Math.abs(t - b.equal) <= 1e-6);
  });
  return rowsHold && Object.keys(model.binaries ?? {}).every((x) => Math.abs(value(x) - Math.round(value(x))) <= 1e-6);
}

/** The two MIP candidates on the same complete repair models: solve time and objective. */
function candidates(nodes: number, seed: number) {
  const lp = repairModelLp(parseInstance(hardInstance({ nodes, seed }).instance));
  let t0 = performance.now();
  const h = exactRuntime().solve(lp, { output_flag: false, time_limit: CANDIDATE_LIMIT });
  const highsSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const model = jsModel(lp);
  const j = solverLp.Solve(model) as SolveResult;
  const jsSeconds = (performance.now() - t0) / 1000;
  return {
    nodes,
    seed,
    highs: { status: h.Status, objective: r3(h.ObjectiveValue), seconds: r3(highsSeconds) },
    jsLpSolver: { feasible: j.feasible, valid: j.feasible && satisfies(model, j), objective: r3(Number(j.result)), seconds: r3(jsSeconds) },
  };
}

const gaps = [];
const solvers = [];
if (chosen === undefined) {
  await loadExactSolver();
  for (const [nodes, seed] of [[10, 1], [10, 2], [20, 1], [30, 1]]) {
    const row = candidates(nodes, seed);
    solvers.push(row);
    console.log(`mip      ${String(nodes).padStart(5)} nodes seed ${seed}  HiGHS ${row.highs.status} ${row.highs.objective} in ${row.highs.seconds} s  jsLPSolver ${row.jsLpSolver.valid ? row.jsLpSolver.objective : `no valid solution (returned ${row.jsLpSolver.objective})`} in ${row.jsLpSolver.seconds} s`);
  }
  for (const nodes of GAP_SIZES) {
    const row = gap(nodes);
    gaps.push(row);
    console.log(
      `gap      ${String(nodes).padStart(5)} nodes  median ${row.gapMedianPct} %  worst ${row.gapWorstPct} %  exact ${row.exactSecondsMedian} s (worst ${row.exactSecondsWorst} s)  optimal ${row.provedOptimal}/${row.instances}`,
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
    gaps,
    mipCandidates: solvers,
    target: { wallSecondsPer5000Nodes: TARGET_SECONDS_5000, met: big.every((r) => r.wallSeconds < TARGET_SECONDS_5000) },
  }),
);
