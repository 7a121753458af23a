import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Bounds, Constraint, ConstraintKind, LinearModel, Term } from "./constraint.ts";
import { largest, overflow } from "./support.ts";

/** The running VMs of the set all run inside one of the node groups. */
export class Among implements Constraint {
  readonly id = "among";
  readonly scope: { readonly vms: readonly number[] };
  private readonly groupOf = new Map<number, number>();

  constructor(
    readonly vms: readonly number[],
    private readonly groups: readonly (readonly number[])[],
    readonly continuous = false,
  ) {
    this.scope = { vms };
    groups.forEach((g, i) => {
      for (const n of g) this.groupOf.set(n, i);
    });
  }

  private group(node: number): number {
    return this.groupOf.get(node) ?? -1;
  }

  /** Keeps the group holding most VMs; VMs in other groups or outside any group must move. */
  misplaced(pl: Placement): number[] {
    const byGroup = new Map<number, number[]>();
    for (const v of this.vms) {
      if (pl.host[v] < 0) continue;
      const g = this.group(pl.host[v]);
      byGroup.set(g, [...(byGroup.get(g) ?? []), v]);
    }
    const inGroups = new Map([...byGroup].filter(([g]) => g >= 0));
    const keep = largest(inGroups);
    return [...byGroup].filter(([g]) => g !== keep).flatMap(([, vs]) => vs);
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    const g = this.group(node);
    return g >= 0 && this.vms.every((o) => o === vm || pl.host[o] < 0 || this.group(pl.host[o]) === g);
  }

  violation(pl: Placement): string | null {
    const groups = new Set(this.vms.filter((v) => pl.host[v] >= 0).map((v) => this.group(pl.host[v])));
    if (groups.has(-1)) return "among: a VM runs outside every node group";
    return groups.size <= 1 ? null : `among: the VMs span ${groups.size} node groups`;
  }

  allows(_vm: number, node: number): boolean {
    return this.group(node) >= 0;
  }

  infeasible(b: Bounds): string | null {
    const running = this.vms.filter((v) => b.runs(v));
    const fits = (g: readonly number[]): boolean => {
      const inGroup = new Set(g);
      return running.every((v) => b.allowed(v).some((n) => inGroup.has(n))) && overflow(b, running, g) === null;
    };
    return running.length === 0 || this.groups.some(fits) ? null : `among: none of its ${this.groups.length} node groups can hold its ${running.length} VMs`;
  }

  /** One chosen group (y); a VM may only end on a node of the chosen group. */
  linear(m: LinearModel): void {
    const running = this.vms.filter((v) => m.fixedOn(v) !== -2);
    if (running.length === 0) return;
    const y = this.groups.map(() => m.binary("among"));
    m.row(y.map((name): Term => [1, name]), "=", 1);
    for (const v of running) {
      const f = m.fixedOn(v);
      if (f >= 0) {
        const g = this.group(f);
        if (g < 0) return m.row([], "<=", -1);
        m.row([[1, y[g]]], "=", 1);
        continue;
      }
      for (const n of m.candidates(v)) {
        const x = m.x(v, n);
        if (x) m.row([[1, x], [-1, y[this.group(n)]]], "<=", 0);
      }
    }
  }

  admits(live: Live, vm: number, node: number): boolean {
    const g = this.group(node);
    return g >= 0 && this.vms.every((o) => live.nodesOf(o).every((n) => this.group(n) === g));
  }
}

export const among: ConstraintKind = {
  id: "among",
  parse: (c) => new Among(c.vms("vms"), c.nodeGroups("parts"), c.continuous()),
};
