import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Constraint, ConstraintKind, LinearModel } from "./constraint.ts";
import { reachable } from "./support.ts";

/** The VMs of the set run on nodes that host no VM outside the set. */
export class Lonely implements Constraint {
  readonly id = "lonely";
  /** Any VM placed next to a set VM matters, so every placement is checked. */
  readonly scope = "all";
  private readonly members: Set<number>;

  constructor(
    readonly vms: readonly number[],
    readonly continuous = false,
  ) {
    this.members = new Set(vms);
  }

  private mixed(vm: number, others: Iterable<number>): boolean {
    const inside = this.members.has(vm);
    for (const o of others) if (this.members.has(o) !== inside) return true;
    return false;
  }

  /** On a mixed node the smaller side moves. */
  misplaced(pl: Placement): number[] {
    const out: number[] = [];
    const nodes = new Set(this.vms.map((v) => pl.host[v]).filter((n) => n >= 0));
    for (const n of nodes) {
      const here = pl.vmsOn(n);
      const inside = here.filter((v) => this.members.has(v));
      const outside = here.filter((v) => !this.members.has(v));
      if (outside.length > 0) out.push(...(inside.length <= outside.length ? inside : outside));
    }
    return out;
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    return !this.mixed(vm, pl.vmsOn(node));
  }

  violation(pl: Placement): string | null {
    for (const v of this.vms) {
      const n = pl.host[v];
      if (n >= 0 && this.mixed(v, pl.vmsOn(n))) return `lonely: node '${pl.problem.nodes[n]}' mixes set and other VMs`;
    }
    return null;
  }

  /** Per node a set VM may reach, a binary "the node is the set's": set VMs need it, the others its negation. */
  linear(m: LinearModel): void {
    const p = m.problem;
    for (const n of reachable(m, this.vms)) {
      const mine = m.binary("lonely");
      for (let v = 0; v < p.vms.length; v++) {
        const inside = this.members.has(v);
        if (m.fixedOn(v) === n) m.row([[1, mine]], "=", inside ? 1 : 0);
        const x = m.x(v, n);
        if (x) m.row(inside ? [[1, x], [-1, mine]] : [[1, x], [1, mine]], "<=", inside ? 0 : 1);
      }
    }
  }

  admits(live: Live, vm: number, node: number): boolean {
    return !this.mixed(vm, live.presentOn(node));
  }
}

export const lonely: ConstraintKind = {
  id: "lonely",
  parse: (c) => new Lonely(c.vms("vms"), c.continuous()),
};
