import type { ConstraintKind } from "./constraint.ts";
import { HostRestriction } from "./host-restriction.ts";

/** The VMs run only on the given nodes. */
export class Fence extends HostRestriction {
  readonly id = "fence";
  protected allows(node: number): boolean {
    return this.nodeSet.has(node);
  }
}

export const fence: ConstraintKind = {
  id: "fence",
  parse: (c) => new Fence(c.vms("vms"), c.nodes("nodes"), c.continuous()),
};
