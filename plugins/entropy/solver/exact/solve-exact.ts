import type { Problem } from "../../model/problem.ts";
import { planReconfiguration } from "../../plan/planner.ts";
import { Budget } from "../budget.ts";
import { solveHeuristic } from "../heuristic.ts";
import { Placement } from "../placement.ts";
import { Placer } from "../placer.ts";
import { StaticBounds } from "../prove.ts";
import { violations } from "../repair.ts";
import type { ExactReport, Solution, SolveOptions } from "../solve.ts";
import { prepareTargets, type Targets } from "../targets.ts";
import { exactRuntime } from "./highs.ts";
import { Mip } from "./mip.ts";

/** Above this many (VM, node) variables the model is restricted to the heuristic's neighbourhood. */
const MAX_VARIABLES = 40_000;
/** Destinations per free VM in a restricted model, besides its current and heuristic nodes. */
const NEAREST = 12;
/** Share of the budget the heuristic gets first (the anytime answer). */
const HEURISTIC_SHARE = 0.2;

/**
 * Exact mode: the heuristic runs first on a fifth of the budget (its plan
 * is the anytime answer), then HiGHS solves the repair MIP (mip.ts) with
 * the rest. The model is complete (every movable VM, every node it may
 * use) up to MAX_VARIABLES; above, only the VMs of the nodes the heuristic
 * touched move, each among its current node, the heuristic's and the
 * NEAREST nodes with the most room. The MIP's placement is planned like the
 * heuristic's, and the cheaper plan is kept. A complete model that HiGHS
 * proves infeasible is a proof that no plan exists.
 *
 * On the simulated clock (work limit) HiGHS gets a node limit instead of a
 * time limit, so reruns stay identical.
 */
export function solveExact(p: Problem, options: SolveOptions): Solution {
  const started = performance.now();
  const time = options.timeLimitSeconds ?? 60;
  const heuristic = solveHeuristic(p, {
    ...options,
    timeLimitSeconds: time * HEURISTIC_SHARE,
    workLimit: options.workLimit === undefined ? undefined : options.workLimit * HEURISTIC_SHARE,
  });
  if (heuristic.status === "no-solution") return heuristic;
  const budget = new Budget(Math.max(0, time - heuristic.seconds), options.workLimit === undefined ? undefined : options.workLimit - heuristic.work);
  const targets = prepareTargets(p);
  const bounds = new StaticBounds(p, targets, budget);
  const { fixed, candidates, complete } = scope(p, targets, bounds, heuristic);
  const mip = new Mip(p, targets, fixed, candidates);
  for (const c of p.constraints) c.linear?.(mip);
  const covered = p.constraints.every((c) => c.linear !== undefined || c.accepts === undefined);
  budget.charge(mip.variables + mip.rowCount);
  const report = (status: string, optimal: boolean, objective: number | null, kept: ExactReport["kept"]): ExactReport => ({
    status,
    complete: complete && covered,
    optimal,
    objective,
    variables: mip.variables,
    rows: mip.rowCount,
    kept,
    seconds: (performance.now() - started) / 1000,
  });
  const finish = (s: Solution, exact: ExactReport): Solution => ({
    ...s,
    work: heuristic.work + budget.work,
    seconds: (performance.now() - started) / 1000,
    exact,
  });
  const proof = "no plan exists: no final configuration satisfies the capacities and constraints (the complete exact model is infeasible)";
  if (mip.contradiction) {
    return complete && covered
      ? finish({ ...heuristic, status: "no-solution", placement: null, plan: null, reasons: [proof] }, report("Infeasible", false, null, "heuristic"))
      : finish(heuristic, report("Infeasible", false, null, "heuristic"));
  }
  const remaining = Math.max(0.01, time - (performance.now() - started) / 1000);
  const limits =
    options.workLimit === undefined
      ? { time_limit: remaining }
      : { mip_max_nodes: Math.max(1, Math.floor((options.workLimit - heuristic.work) / Math.max(1, mip.variables))) };
  const r = exactRuntime().solve(mip.toLp(), { output_flag: false, ...limits });
  if (r.Status === "Infeasible" && complete && covered) {
    return finish({ ...heuristic, status: "no-solution", placement: null, plan: null, reasons: [proof] }, report(r.Status, false, null, "heuristic"));
  }
  const optimal = r.Status === "Optimal" && complete && covered;
  const pl = placementOf(p, targets, fixed, mip, (name) => (r.Status === "Infeasible" ? undefined : r.Columns[name]?.Primal));
  if (!pl || violations(pl).length > 0) return finish(heuristic, report(r.Status, false, null, "heuristic"));
  const objective = p.vms.reduce((s, _, v) => s + (pl.host[v] >= 0 ? mip.cost(v, pl.host[v]) : 0), 0);
  const planned = planReconfiguration(pl, budget, new Placer(pl, budget));
  if (!planned.plan || (heuristic.plan && heuristic.plan.cost <= planned.plan.cost)) {
    return finish(heuristic, report(r.Status, optimal, objective, "heuristic"));
  }
  const moved = p.vms.reduce((s, _, v) => s + (pl.host[v] >= 0 && pl.host[v] !== p.host[v] ? 1 : 0), 0);
  return finish(
    {
      status: planned.plan.actions.length === 0 ? "unchanged" : "solved",
      placement: pl,
      plan: planned.plan,
      managedVms: Math.max(heuristic.managedVms, moved),
      work: 0,
      seconds: 0,
      reasons: [],
      attempts: heuristic.attempts,
    },
    report(r.Status, optimal, objective, "exact"),
  );
}

/** The complete repair MIP of `p` in LP format (every movable VM over every node that may host it), for solver comparisons. */
export function repairModelLp(p: Problem): string {
  const targets = prepareTargets(p);
  const bounds = new StaticBounds(p, targets, new Budget(Infinity));
  const fixed = Int32Array.from(p.vms, (_, v) => (targets.vmStatus[v] !== "running" ? -2 : targets.pinned[v] ? p.host[v] : -1));
  const mip = new Mip(p, targets, fixed, (v) => bounds.allowed(v));
  for (const c of p.constraints) c.linear?.(mip);
  return mip.toLp();
}

/**
 * Which VMs the MIP may move and where: all of them over every node that
 * may host them when that stays under MAX_VARIABLES, else the heuristic's
 * neighbourhood. fixed[v]: the node a fixed VM ends on, -1 free, -2 not running.
 */
function scope(p: Problem, t: Targets, b: StaticBounds, heuristic: Solution) {
  const fixed = new Int32Array(p.vms.length);
  const home = (v: number): number => (p.vmStatus[v] === "running" ? p.host[v] : -1);
  let total = 0;
  for (let v = 0; v < p.vms.length; v++) {
    fixed[v] = t.vmStatus[v] !== "running" ? -2 : t.pinned[v] ? home(v) : -1;
    if (fixed[v] === -1) total += b.allowed(v).length;
  }
  if (total <= MAX_VARIABLES) return { fixed, candidates: (v: number) => b.allowed(v), complete: true };
  const final = heuristic.placement?.host;
  const touched = new Set<number>();
  for (const a of heuristic.plan?.actions ?? []) {
    if (a.kind === "migrate") touched.add(a.from).add(a.to);
    else if (a.kind !== "bootNode" && a.kind !== "shutdownNode") touched.add(a.node);
  }
  const room = new Float64Array(p.nodes.length);
  t.capacity.forEach((c, r) => {
    const used = new Float64Array(p.nodes.length);
    p.host.forEach((n, v) => {
      if (n >= 0) used[n] += t.demand[r][v];
    });
    c.forEach((cap, n) => (room[n] += (cap - used[n]) / Math.max(1, cap)));
  });
  const roomiest = p.nodes.map((_, n) => n).sort((x, y) => room[y] - room[x] || x - y);
  for (let v = 0; v < p.vms.length; v++) {
    if (fixed[v] !== -1) continue;
    const free = home(v) < 0 || touched.has(home(v)) || (final !== undefined && final[v] !== home(v));
    if (!free) fixed[v] = final?.[v] ?? home(v);
  }
  const candidates = (v: number): readonly number[] => {
    const allowed = new Set(b.allowed(v));
    const keep = [...new Set([home(v), final?.[v] ?? -1])].filter((n) => allowed.has(n));
    for (const n of roomiest) {
      if (keep.length >= NEAREST + 2) break;
      if (allowed.has(n) && !keep.includes(n)) keep.push(n);
    }
    return keep;
  };
  return { fixed, candidates, complete: false };
}

/** The placement the MIP's values describe, or null when some free VM got no node. */
function placementOf(p: Problem, t: Targets, fixed: Int32Array, mip: Mip, value: (name: string) => number | undefined): Placement | null {
  const pl = new Placement(p, t);
  for (let v = 0; v < p.vms.length; v++) {
    if (fixed[v] >= 0) pl.place(v, fixed[v]);
    if (fixed[v] !== -1) continue;
    const node = mip.candidates(v).find((n) => (value(mip.x(v, n) as string) ?? 0) > 0.5);
    if (node === undefined) return null;
    pl.place(v, node);
  }
  return pl;
}
