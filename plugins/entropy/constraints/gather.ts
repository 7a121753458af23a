import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";
import { VmSetConstraint } from "./vm-set.ts";
import { byHost, largest } from "./support.ts";

/** The running VMs of the set share one node. */
export class Gather extends VmSetConstraint implements Constraint {
  readonly id = "gather";

  misplaced(pl: Placement): number[] {
    const groups = byHost(this.vms, pl.host);
    const keep = largest(groups);
    return [...groups].filter(([n]) => n !== keep).flatMap(([, g]) => g);
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    return this.vms.every((o) => o === vm || pl.host[o] < 0 || pl.host[o] === node);
  }

  violation(pl: Placement): string | null {
    const nodes = [...byHost(this.vms, pl.host).keys()];
    return nodes.length <= 1 ? null : `gather: the VMs run on ${nodes.length} nodes`;
  }

  /** At every instant all running set VMs are on one node, so a VM already running elsewhere may not join. */
  admits(live: Live, vm: number, node: number): boolean {
    const others = this.vms.filter((o) => o !== vm && live.nodesOf(o).length > 0);
    if (others.length > 0 && live.nodesOf(vm).length > 0) return false;
    return others.every((o) => live.nodesOf(o).length === 1 && live.isPresent(o, node));
  }
}

export const gather: ConstraintKind = {
  id: "gather",
  parse: (c) => new Gather(c.vms("vms"), c.continuous()),
};
