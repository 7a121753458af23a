import type { Bounds } from "../constraints/constraint.ts";
import type { Problem } from "../model/problem.ts";
import type { Budget } from "./budget.ts";
import { ConstraintIndex } from "./constraint-index.ts";
import { Usage, type Targets } from "./targets.ts";

const EPS = 1e-9;

/**
 * Looks for a proof that no plan exists, run once the first repair reached
 * a dead end. Sound but incomplete bounds, cheapest first: a resource whose
 * total demand exceeds the capacity online at the end; a VM that fits on no
 * node it may run on; a constraint that cannot hold within the capacities
 * (its `infeasible`); a deadlock at t = 0 (nothing can ever start). Returns
 * the reason, or null when nothing is proved.
 */
export function proveInfeasible(p: Problem, t: Targets, budget: Budget): string | null {
  const b = new StaticBounds(p, t, budget);
  return totalCapacity(b) ?? vmWithoutNode(b) ?? constraintBound(b) ?? deadlock(p, t, budget);
}

export class StaticBounds implements Bounds {
  private readonly restricting: ConstraintIndex;
  /** Capacity left beside the VMs pinned to their node; 0 on nodes offline at the end. */
  private readonly room: Float64Array[];
  private readonly cache = new Map<number, readonly number[]>();

  constructor(
    readonly problem: Problem,
    readonly targets: Targets,
    private readonly budget: Budget,
  ) {
    this.restricting = new ConstraintIndex(problem, (c) => c.allows !== undefined);
    this.room = targets.capacity.map((c) => Float64Array.from(c, (x, n) => (targets.nodeOnline[n] ? x : 0)));
    problem.host.forEach((n, v) => {
      if (n >= 0 && targets.pinned[v] && targets.vmStatus[v] === "running") for (let r = 0; r < this.room.length; r++) this.room[r][n] -= targets.demand[r][v];
    });
  }

  runs(vm: number): boolean {
    return this.targets.vmStatus[vm] === "running";
  }

  free(r: number, node: number): number {
    return this.room[r][node];
  }

  mayHost(vm: number, node: number): boolean {
    if (!this.targets.nodeOnline[node]) return false;
    for (let r = 0; r < this.room.length; r++) if (this.targets.demand[r][vm] > this.room[r][node] + EPS) return false;
    return this.restricting.every(vm, node, (c) => c.allows?.(vm, node) ?? true);
  }

  allowed(vm: number): readonly number[] {
    let nodes = this.cache.get(vm);
    if (!nodes) {
      this.budget.charge(this.problem.nodes.length);
      nodes = this.problem.nodes.map((_, n) => n).filter((n) => this.mayHost(vm, n));
      this.cache.set(vm, nodes);
    }
    return nodes;
  }

  describe(r: number, amount: number): string {
    return `${this.problem.resources[r]} ${round(amount)}`;
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function totalCapacity(b: StaticBounds): string | null {
  const { problem: p, targets } = b;
  for (let r = 0; r < p.resources.length; r++) {
    let demand = 0;
    let capacity = 0;
    for (let v = 0; v < p.vms.length; v++) if (b.runs(v)) demand += targets.demand[r][v];
    for (let n = 0; n < p.nodes.length; n++) if (targets.nodeOnline[n]) capacity += targets.capacity[r][n];
    if (demand > capacity + EPS) {
      return `the running VMs need ${b.describe(r, demand)} in total but the nodes online at the end offer ${round(capacity)}`;
    }
  }
  return null;
}

/** Each VM that must run, and may move, needs one node that may host it (checked with an early exit). */
function vmWithoutNode(b: StaticBounds): string | null {
  const { problem: p, targets } = b;
  for (let v = 0; v < p.vms.length; v++) {
    if (!b.runs(v) || targets.pinned[v]) continue;
    const home = p.vmStatus[v] === "running" ? p.host[v] : -1;
    if (home >= 0 && b.mayHost(v, home)) continue;
    if (b.allowed(v).length > 0) continue;
    const need = p.resources.map((_, r) => b.describe(r, targets.demand[r][v])).join(", ");
    return `VM '${p.vms[v]}' (${need}) fits on no node it may run on (ban, fence, among, offline nodes and pinned VMs leave none with room)`;
  }
  return null;
}

function constraintBound(b: StaticBounds): string | null {
  for (const c of b.problem.constraints) {
    const why = c.infeasible?.(b);
    if (why) return why;
  }
  return null;
}

/**
 * Nothing can ever start when no node boots, no VM stops, and no VM that
 * may move (or boot) has room on any other online node now: every
 * migration, pivot included, needs room on its destination at its start.
 * The first attempt only fails when the current state is not a valid end
 * state, so that state is final and wrong.
 */
function deadlock(p: Problem, t: Targets, budget: Budget): string | null {
  for (let n = 0; n < p.nodes.length; n++) if (!p.nodeOnline[n] && t.nodeOnline[n]) return null;
  const now = new Usage(t, p.nodes.length);
  for (let v = 0; v < p.vms.length; v++) {
    if (p.vmStatus[v] === "running" && t.vmStatus[v] !== "running") return null;
    if (p.vmStatus[v] === "running") now.add(v, p.host[v]);
  }
  for (let v = 0; v < p.vms.length; v++) {
    if (t.vmStatus[v] !== "running" || (p.vmStatus[v] === "running" && t.pinned[v])) continue;
    budget.charge(p.nodes.length);
    for (let n = 0; n < p.nodes.length; n++) {
      if (p.nodeOnline[n] && !(p.vmStatus[v] === "running" && p.host[v] === n) && now.fits(v, n)) return null;
    }
  }
  return "deadlock: no VM that may move has room on any other node now, so neither a migration nor a pivot can ever start";
}
