import type { Plan } from "../plan/actions.ts";
import { planReconfiguration } from "../plan/planner.ts";
import type { Budget } from "./budget.ts";
import { Placement } from "./placement.ts";
import type { Placer } from "./placer.ts";

/**
 * Local search on the placement, re-planning after each round and keeping
 * the cheapest plan (anytime): bring migrated VMs back home when they fit
 * there again, and move the VMs whose migration had to wait to a node that
 * has room at once.
 */
export function improve(placer: Placer, first: Plan, budget: Budget): { placement: Placement; plan: Plan } {
  const pl = placer.pl;
  const p = pl.problem;
  let best = { placement: Placement.copy(pl), plan: first };
  while (!budget.expired()) {
    let moves = 0;
    for (let v = 0; v < p.vms.length; v++) {
      const home = p.host[v];
      if (p.vmStatus[v] !== "running" || pl.host[v] < 0 || pl.host[v] === home) continue;
      const from = pl.host[v];
      placer.release(v);
      if (placer.canHost(v, home)) {
        placer.assign(v, home);
        moves++;
      } else placer.assign(v, from);
    }
    const legs = new Map<number, number>();
    for (const a of best.plan.actions) if (a.kind === "migrate") legs.set(a.vm, (legs.get(a.vm) ?? 0) + 1);
    for (const a of best.plan.actions) {
      if (a.kind !== "migrate" || a.start <= 0 || legs.get(a.vm) !== 1 || pl.host[a.vm] !== a.to) continue;
      const target = p.nodes.findIndex((_, n) => n !== a.to && placer.roomNow(a.vm, n) && placer.canHost(a.vm, n));
      if (target < 0) continue;
      placer.release(a.vm);
      placer.assign(a.vm, target);
      moves++;
    }
    if (moves === 0) break;
    const { plan } = planReconfiguration(pl, budget, placer);
    if (!plan || plan.cost >= best.plan.cost) break;
    best = { placement: Placement.copy(pl), plan };
  }
  return best;
}
