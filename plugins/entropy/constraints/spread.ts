import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Bounds, Constraint, ConstraintKind, LinearModel } from "./constraint.ts";
import { VmSetConstraint } from "./vm-set.ts";
import { byHost, presence, reachable } from "./support.ts";

/** The running VMs of the set are on pairwise distinct nodes. */
export class Spread extends VmSetConstraint implements Constraint {
  readonly id = "spread";

  misplaced(pl: Placement): number[] {
    return [...byHost(this.vms, pl.host).values()].flatMap((g) => g.slice(1));
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    return this.vms.every((o) => o === vm || pl.host[o] !== node);
  }

  violation(pl: Placement): string | null {
    for (const [n, g] of byHost(this.vms, pl.host)) {
      if (g.length > 1) return `spread: VMs '${pl.problem.vms[g[0]]}' and '${pl.problem.vms[g[1]]}' share node '${pl.problem.nodes[n]}'`;
    }
    return null;
  }

  infeasible(b: Bounds): string | null {
    const running = this.vms.filter((v) => b.runs(v));
    const nodes = new Set(running.flatMap((v) => b.allowed(v)));
    return running.length > nodes.size ? `spread: ${running.length} VMs need distinct nodes but only ${nodes.size} nodes may host them` : null;
  }

  linear(m: LinearModel): void {
    for (const n of reachable(m, this.vms)) {
      const { terms, fixed } = presence(m, this.vms, n);
      if (terms.length + fixed > 1) m.row(terms, "<=", 1 - fixed);
    }
  }

  admits(live: Live, vm: number, node: number): boolean {
    return this.vms.every((o) => o === vm || !live.isPresent(o, node));
  }
}

export const spread: ConstraintKind = {
  id: "spread",
  parse: (c) => new Spread(c.vms("vms"), c.continuous()),
};
