import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Bounds, Constraint, ConstraintKind } from "./constraint.ts";
import { VmSetConstraint } from "./vm-set.ts";
import { byHost, largest, overflow } from "./support.ts";

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

  infeasible(b: Bounds): string | null {
    const running = this.vms.filter((v) => b.runs(v));
    if (running.length < 2) return null;
    const common = running.slice(1).reduce((nodes, v) => {
      const mine = new Set(b.allowed(v));
      return nodes.filter((n) => mine.has(n));
    }, b.allowed(running[0]));
    if (common.some((n) => overflow(b, running, [n]) === null)) return null;
    return `gather: no node may host its ${running.length} VMs together (${common.length} nodes may host each of them, none with room for all)`;
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
