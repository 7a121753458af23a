import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Problem } from "../model/problem.ts";
import { Budget } from "./budget.ts";
import { improve } from "./improve.ts";
import { proveInfeasible } from "./prove.ts";
import { FIRST, repairOnce, type Variation } from "./repair.ts";
import type { Solution, SolveOptions, SolveStatus } from "./solve.ts";
import { prepareTargets } from "./targets.ts";

/**
 * Repair-mode solve (anytime). The first attempt is the plain repair. When
 * it reaches a dead end (no node for a VM, or moves waiting on each other in
 * a cycle no pivot breaks) the solver first tries to prove that no plan
 * exists (prove.ts), then revises the placement while the budget lasts:
 * destinations that ended in a cycle are avoided (ejecting VMs elsewhere
 * instead), the greedy choices get seeded noise, VMs may be ejected more
 * often. The first plan found is improved by local search until the budget
 * runs out, keeping the best. `no-solution` means proved; `timeout` means the
 * budget ran out first.
 */
export function solveHeuristic(p: Problem, options: SolveOptions = {}): Solution {
  const budget = new Budget(options.timeLimitSeconds ?? 60, options.workLimit);
  // Building the model and scanning every node for overloads is real work, proportional to the datacenter.
  budget.charge(p.nodes.length + p.vms.length);
  const targets = prepareTargets(p);
  const avoid = new Map<number, Set<number>>();
  let managed = 0;
  for (let attempt = 0; ; attempt++) {
    const a = repairOnce(p, targets, budget, attempt === 0 ? FIRST : revision(p, attempt, avoid));
    managed = Math.max(managed, a.managed);
    if (a.ok) {
      const best = improve(a.placer, a.plan, budget);
      const status = best.plan.actions.length === 0 ? "unchanged" : "solved";
      return { status, placement: best.placement, plan: best.plan, managedVms: managed, work: budget.work, seconds: budget.seconds(), reasons: [], attempts: attempt + 1 };
    }
    const failed = (status: SolveStatus, reason: string): Solution => ({
      status,
      placement: null,
      plan: null,
      managedVms: managed,
      work: budget.work,
      seconds: budget.seconds(),
      reasons: [reason],
      attempts: attempt + 1,
    });
    // A caller allowing one attempt wants a quick answer, not a proof.
    if (attempt === 0 && !a.timeout && (options.maxAttempts ?? Infinity) > 1) {
      const proof = proveInfeasible(p, targets, budget);
      if (proof) return failed("no-solution", `no plan exists: ${proof}`);
    }
    if (a.timeout || budget.expired()) {
      return failed("timeout", `time limit reached after ${attempt + 1} placement attempt(s) without a plan (last dead end: ${a.why})`);
    }
    if (attempt + 1 >= (options.maxAttempts ?? Infinity)) {
      return failed("timeout", `gave up after ${attempt + 1} placement attempt(s), the caller's limit (last dead end: ${a.why})`);
    }
    learn(avoid, a.stuck, attempt);
  }
}

/** Seeded noise for attempt `attempt` (so reruns with the same budget make the same attempts). */
function revision(p: Problem, attempt: number, avoid: ReadonlyMap<number, ReadonlySet<number>>): Variation {
  const rng = xoroshiro128plus(attempt);
  const draw = (): number => uniformFloat64(rng);
  const cost = Float64Array.from(p.vms, () => 1 + draw());
  const size = Float64Array.from(p.vms, () => 1 + 0.5 * draw());
  return {
    placer: {
      maxEjections: 3 + attempt,
      clearNodes: true,
      cursor: Math.floor(draw() * p.nodes.length),
      avoid: avoid.size === 0 ? undefined : (vm, node) => avoid.get(vm)?.has(node) ?? false,
    },
    costNoise: (vm) => cost[vm],
    sizeNoise: (vm) => size[vm],
  };
}

/**
 * Remembers one destination of a dead-end cycle (changing one move breaks
 * it); every 8th attempt starts afresh so the avoided set never grows to
 * forbid every placement.
 */
function learn(avoid: Map<number, Set<number>>, stuck: readonly { vm: number; to: number }[], attempt: number): void {
  if (attempt % 8 === 7) avoid.clear();
  if (stuck.length === 0) return;
  const move = stuck[attempt % stuck.length];
  const set = avoid.get(move.vm) ?? new Set<number>();
  set.add(move.to);
  avoid.set(move.vm, set);
}
