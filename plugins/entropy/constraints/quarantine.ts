import type { Problem } from "../model/problem.ts";
import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";

/** No VM enters or leaves the node (by migration): its running VMs stay, no other arrives. */
export class Quarantine implements Constraint {
  readonly id = "quarantine";
  /** BtrPlace's quarantine is continuous only. */
  readonly continuous = true;
  readonly scope: { readonly nodes: readonly number[] };

  constructor(readonly node: number) {
    this.scope = { nodes: [node] };
  }

  prepare(t: Targets, p: Problem): void {
    p.host.forEach((n, v) => {
      if (n === this.node && p.vmStatus[v] === "running") t.pinned[v] = 1;
    });
  }

  accepts(pl: Placement, vm: number): boolean {
    return this.isHome(pl.problem, vm);
  }

  admits(live: { problem: Problem }, vm: number): boolean {
    return this.isHome(live.problem, vm);
  }

  private isHome(p: Problem, vm: number): boolean {
    return p.host[vm] === this.node && p.vmStatus[vm] === "running";
  }

  violation(pl: Placement): string | null {
    const p = pl.problem;
    for (let v = 0; v < p.vms.length; v++) {
      const moved = pl.host[v] >= 0 && (pl.host[v] === this.node) !== (p.host[v] === this.node) && p.vmStatus[v] === "running";
      const entered = pl.host[v] === this.node && !this.isHome(p, v);
      if (moved || entered) return `quarantine: VM '${p.vms[v]}' crossed the border of node '${p.nodes[this.node]}'`;
    }
    return null;
  }
}

export const quarantine: ConstraintKind = {
  id: "quarantine",
  parse: (c) => new Quarantine(c.node("node")),
};
