import type { Bounds, ConstraintKind } from "./constraint.ts";
import { HostRestriction } from "./host-restriction.ts";
import { overflow } from "./support.ts";

/** The VMs run only on the given nodes. */
export class Fence extends HostRestriction {
  readonly id = "fence";
  protected allowsNode(node: number): boolean {
    return this.nodeSet.has(node);
  }

  infeasible(b: Bounds): string | null {
    const over = overflow(b, this.vms, [...this.nodeSet]);
    return over ? `fence: its VMs need more than its ${this.nodeSet.size} nodes offer (${over})` : null;
  }
}

export const fence: ConstraintKind = {
  id: "fence",
  parse: (c) => new Fence(c.vms("vms"), c.nodes("nodes"), c.continuous()),
};
