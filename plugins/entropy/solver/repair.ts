import type { Problem } from "../model/problem.ts";
import { planReconfiguration, type StuckMove } from "../plan/planner.ts";
import type { Plan } from "../plan/actions.ts";
import type { Budget } from "./budget.ts";
import { chooseEvictions } from "./evict.ts";
import { Placement } from "./placement.ts";
import { FIRST_ATTEMPT, Placer, type PlacerOptions } from "./placer.ts";
import type { Targets } from "./targets.ts";

/** How one repair attempt differs from the first: placer settings and noise on the greedy choices. */
export interface Variation {
  readonly placer: PlacerOptions;
  /** Multiplies a VM's migration cost when choosing evictions (1 on the first attempt). */
  readonly costNoise: (vm: number) => number;
  /** Multiplies a VM's size when ordering the queue (1 on the first attempt). */
  readonly sizeNoise: (vm: number) => number;
}

export const FIRST: Variation = { placer: FIRST_ATTEMPT, costNoise: () => 1, sizeNoise: () => 1 };

export type Attempt =
  | { readonly ok: true; readonly placer: Placer; readonly plan: Plan; readonly managed: number }
  | { readonly ok: false; readonly why: string; readonly timeout: boolean; readonly stuck: readonly StuckMove[]; readonly managed: number };

/**
 * One repair: VMs stay where they are unless a constraint, a node going
 * offline or an overloaded node forces them out; those are placed again
 * (biggest first) and the result is planned.
 */
export function repairOnce(p: Problem, targets: Targets, budget: Budget, variation: Variation): Attempt {
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
  const cost = (v: number): number => p.durations.migrate[v] * variation.costNoise(v);
  const size = (v: number, r: number): number => targets.demand[r][v];
  for (let n = 0; n < p.nodes.length; n++) {
    const excess = pl.excess(n);
    if (excess.every((x) => x <= 0)) continue;
    const movable = pl.vmsOn(n).filter((v) => !targets.pinned[v]);
    for (const v of chooseEvictions(movable, excess, size, cost, budget)) free(v);
  }
  misplaced();

  const placer = new Placer(pl, budget, variation.placer);
  const w = weights(p, targets.demand);
  for (const v of queue) w[v] *= variation.sizeNoise(v);
  queue.sort((a, b) => w[b] - w[a] || a - b);
  const fail = (why: string, timeout = false, stuck: readonly StuckMove[] = []): Attempt => ({ ok: false, why, timeout, stuck, managed: managed.size });
  for (let i = 0; i < queue.length; i++) {
    if (budget.expired()) return fail("the time limit was reached before a placement was found", true);
    managed.add(queue[i]);
    if (!placer.placeOne(queue[i], queue)) return fail(`no node could host VM '${p.vms[queue[i]]}'`);
  }
  const reasons = violations(pl);
  if (reasons.length > 0) return fail(reasons[0]);
  const planned = planReconfiguration(pl, budget, placer);
  if (!planned.plan) return fail("a migration cycle has no pivot node with room", false, planned.stuck);
  return { ok: true, placer, plan: planned.plan, managed: managed.size };
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
