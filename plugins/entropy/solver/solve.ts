import type { Problem } from "../model/problem.ts";
import type { Plan } from "../plan/actions.ts";
import { planReconfiguration } from "../plan/planner.ts";
import { Budget } from "./budget.ts";
import { chooseEvictions } from "./evict.ts";
import { improve } from "./improve.ts";
import { Placement } from "./placement.ts";
import { Placer } from "./placer.ts";
import { prepareTargets } from "./targets.ts";

export type SolveStatus = "solved" | "unchanged" | "no-solution" | "timeout";

export interface Solution {
  readonly status: SolveStatus;
  /** The final configuration and its plan; null unless solved or unchanged. */
  readonly placement: Placement | null;
  readonly plan: Plan | null;
  /** VMs the repair let move (misplaced, evicted or ejected). */
  readonly managedVms: number;
  readonly work: number;
  readonly seconds: number;
  /** Why there is no solution (first violations), for reports. */
  readonly reasons: readonly string[];
}

export interface SolveOptions {
  /** Wall-time limit, used when there is no work limit. */
  readonly timeLimitSeconds?: number;
  /** Work-unit limit (deterministic: replaces the wall-time limit), set on the simulated clock. */
  readonly workLimit?: number;
}

/**
 * Repair-mode solve: VMs stay where they are unless a constraint, a node
 * going offline or an overloaded node forces them out; those are placed
 * again, the result is planned, then improved by local search while the
 * budget lasts (anytime: the best plan so far is kept).
 */
export function solve(p: Problem, options: SolveOptions = {}): Solution {
  const budget = new Budget(options.timeLimitSeconds ?? 60, options.workLimit);
  // Building the model and scanning every node for overloads is real work, proportional to the datacenter.
  budget.charge(p.nodes.length + p.vms.length);
  const targets = prepareTargets(p);
  const pl = new Placement(p, targets);
  const managed = new Set<number>();
  const queue: number[] = [];
  const free = (vm: number): void => {
    if (managed.has(vm) || targets.pinned[vm]) return;
    managed.add(vm);
    pl.unplace(vm);
    queue.push(vm);
  };
  for (let v = 0; v < p.vms.length; v++) {
    if (targets.vmStatus[v] !== "running") continue;
    const home = p.vmStatus[v] === "running" ? p.host[v] : -1;
    if (home >= 0) pl.place(v, home);
    if (home < 0 || !targets.nodeOnline[home]) {
      pl.unplace(v);
      managed.add(v);
      queue.push(v);
    }
  }
  const misplaced = (): void => {
    for (const c of p.constraints) for (const v of c.misplaced?.(pl, budget) ?? []) free(v);
  };
  // Constraints first, so overloaded nodes count the VMs that leave anyway; again after, for group sums.
  misplaced();
  for (let n = 0; n < p.nodes.length; n++) {
    const excess = pl.excess(n);
    if (excess.every((x) => x <= 0)) continue;
    const movable = pl.vmsOn(n).filter((v) => !targets.pinned[v]);
    const size = (v: number, r: number): number => targets.demand[r][v];
    for (const v of chooseEvictions(movable, excess, size, (v) => p.durations.migrate[v], budget)) free(v);
  }
  misplaced();

  const placer = new Placer(pl, budget);
  const w = weights(p, targets.demand);
  queue.sort((a, b) => w[b] - w[a] || a - b);
  for (let i = 0; i < queue.length; i++) {
    if (budget.expired()) return failed("timeout", managed.size, budget, ["time limit reached before a placement was found"]);
    managed.add(queue[i]);
    if (!placer.placeOne(queue[i], queue)) {
      return failed("no-solution", managed.size, budget, [`no node can host VM '${p.vms[queue[i]]}'`]);
    }
  }
  const reasons = violations(pl);
  if (reasons.length > 0) return failed("no-solution", managed.size, budget, reasons);
  const plan = planReconfiguration(pl, budget);
  if (!plan) return failed("no-solution", managed.size, budget, ["a migration cycle has no pivot node with room"]);
  const best = improve(placer, plan, budget);
  return {
    status: best.plan.actions.length === 0 ? "unchanged" : "solved",
    placement: best.placement,
    plan: best.plan,
    managedVms: managed.size,
    work: budget.work,
    seconds: budget.seconds(),
    reasons: [],
  };
}

/** Size of each VM relative to the mean node capacity: bigger VMs are placed first (first-fit decreasing). */
function weights(p: Problem, demand: readonly Float64Array[]): Float64Array {
  const w = new Float64Array(p.vms.length);
  demand.forEach((d, r) => {
    const mean = p.capacity[r].reduce((s, c) => s + c, 0) / Math.max(1, p.nodes.length);
    if (mean > 0) for (let v = 0; v < w.length; v++) w[v] += d[v] / mean;
  });
  return w;
}

/** Capacity and constraint violations of the final configuration. */
export function violations(pl: Placement): string[] {
  const { problem: p, targets: t } = pl;
  const out: string[] = [];
  for (let n = 0; n < p.nodes.length; n++) {
    pl.excess(n).forEach((x, r) => {
      if (x > 1e-9) out.push(`node '${p.nodes[n]}' exceeds its ${p.resources[r]} capacity by ${x}`);
    });
    if (!t.nodeOnline[n] && pl.vmsOn(n).length > 0) out.push(`offline node '${p.nodes[n]}' hosts VMs`);
  }
  for (const c of p.constraints) {
    const why = c.violation(pl);
    if (why) out.push(why);
  }
  return out;
}

function failed(status: SolveStatus, managedVms: number, budget: Budget, reasons: string[]): Solution {
  return { status, placement: null, plan: null, managedVms, work: budget.work, seconds: budget.seconds(), reasons };
}
