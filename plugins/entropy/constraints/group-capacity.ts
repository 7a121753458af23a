import type { Live } from "../plan/live.ts";
import type { Budget } from "../solver/budget.ts";
import { chooseEvictions } from "../solver/evict.ts";
import type { Placement } from "../solver/placement.ts";
import type { Constraint, LinearModel, Term } from "./constraint.ts";

/**
 * Common shape of resourceCapacity and runningCapacity: what the VMs on a
 * node group use, summed, stays within `amount`. The sum is cached per
 * placement version because the solver asks for it once per candidate.
 */
export abstract class GroupCapacity implements Constraint {
  abstract readonly id: string;
  readonly scope: { readonly nodes: readonly number[] };
  private cached = { version: -1, placement: null as Placement | null, total: 0 };

  constructor(
    readonly nodes: readonly number[],
    readonly amount: number,
    readonly continuous = false,
  ) {
    this.scope = { nodes };
  }

  /** What one VM adds to the sum. */
  protected abstract size(pl: Pick<Placement, "problem" | "targets">, vm: number): number;
  /** The sum at one instant of the plan. */
  protected abstract liveTotal(live: Live): number;

  private total(pl: Placement): number {
    if (this.cached.placement !== pl || this.cached.version !== pl.version) {
      let total = 0;
      for (const n of this.nodes) for (const v of pl.vmsOn(n)) total += this.size(pl, v);
      this.cached = { version: pl.version, placement: pl, total };
    }
    return this.cached.total;
  }

  misplaced(pl: Placement, budget: Budget): number[] {
    const excess = this.total(pl) - this.amount;
    if (excess <= 0) return [];
    const movable = this.nodes.flatMap((n) => pl.vmsOn(n)).filter((v) => !pl.targets.pinned[v]);
    return chooseEvictions(movable, [excess], (v) => this.size(pl, v), (v) => pl.problem.durations.migrate[v], budget);
  }

  accepts(pl: Placement, vm: number): boolean {
    return this.total(pl) + this.size(pl, vm) <= this.amount + 1e-9;
  }

  violation(pl: Placement): string | null {
    const total = this.total(pl);
    return total <= this.amount + 1e-9 ? null : `${this.id}: the node group uses ${total} > ${this.amount}`;
  }

  linear(m: LinearModel): void {
    const terms: Term[] = [];
    let fixed = 0;
    for (let v = 0; v < m.problem.vms.length; v++) {
      if (this.nodes.includes(m.fixedOn(v))) fixed += this.size(m, v);
      for (const n of this.nodes) {
        const x = m.x(v, n);
        if (x) terms.push([this.size(m, v), x]);
      }
    }
    m.row(terms, "<=", this.amount - fixed);
  }

  admits(live: Live, vm: number): boolean {
    const already = live.nodesOf(vm).some((n) => this.nodes.includes(n));
    return this.liveTotal(live) + (already && this.countsOnce() ? 0 : this.size(live, vm)) <= this.amount + 1e-9;
  }

  /** True when a VM migrating inside the group counts once (a VM count), false when it holds resources twice. */
  protected abstract countsOnce(): boolean;
}
