import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Constraint, ConstraintKind, LinearModel, Term } from "./constraint.ts";
import { byHost, largest, presence, reachable } from "./support.ts";

/** VMs of different parts never share a node. */
export class Split implements Constraint {
  readonly id = "split";
  readonly scope: { readonly vms: readonly number[] };
  private readonly partOf = new Map<number, number>();

  constructor(
    parts: readonly (readonly number[])[],
    readonly continuous = false,
  ) {
    parts.forEach((vs, i) => {
      for (const v of vs) this.partOf.set(v, i);
    });
    this.scope = { vms: [...this.partOf.keys()] };
  }

  private clash(vm: number, others: Iterable<number>): boolean {
    const mine = this.partOf.get(vm);
    for (const o of others) {
      const theirs = this.partOf.get(o);
      if (theirs !== undefined && theirs !== mine) return true;
    }
    return false;
  }

  /** On a node shared by several parts, the part with most VMs there stays. */
  misplaced(pl: Placement): number[] {
    const out: number[] = [];
    for (const vs of byHost(this.scope.vms, pl.host).values()) {
      const byPart = new Map<number, number[]>();
      for (const v of vs) {
        const part = this.partOf.get(v) as number;
        byPart.set(part, [...(byPart.get(part) ?? []), v]);
      }
      const keep = largest(byPart);
      for (const [part, g] of byPart) if (part !== keep) out.push(...g);
    }
    return out;
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    return !this.clash(vm, pl.vmsOn(node));
  }

  violation(pl: Placement): string | null {
    for (const [n, vs] of byHost(this.scope.vms, pl.host)) {
      if (vs.some((v) => this.clash(v, vs))) return `split: node '${pl.problem.nodes[n]}' hosts VMs of two parts`;
    }
    return null;
  }

  /** Per node, one binary per part present there; at most one part per node. */
  linear(m: LinearModel): void {
    const parts = new Map<number, number[]>();
    for (const [v, part] of this.partOf) parts.set(part, [...(parts.get(part) ?? []), v]);
    for (const n of reachable(m, this.scope.vms)) {
      const here: Term[] = [];
      for (const vs of parts.values()) {
        const { terms, fixed } = presence(m, vs, n);
        if (terms.length === 0 && fixed === 0) continue;
        const z = m.binary("split");
        here.push([1, z]);
        if (fixed > 0) m.row([[1, z]], "=", 1);
        for (const [, x] of terms) m.row([[1, x], [-1, z]], "<=", 0);
      }
      if (here.length > 1) m.row(here, "<=", 1);
    }
  }

  admits(live: Live, vm: number, node: number): boolean {
    return !this.clash(vm, live.presentOn(node));
  }
}

export const split: ConstraintKind = {
  id: "split",
  parse: (c) => new Split(c.vmGroups("parts"), c.continuous()),
};
