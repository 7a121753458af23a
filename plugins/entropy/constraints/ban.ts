import type { ConstraintKind } from "./constraint.ts";
import { HostRestriction } from "./host-restriction.ts";

/** The VMs never run on the given nodes. */
export class Ban extends HostRestriction {
  readonly id = "ban";
  protected allowsNode(node: number): boolean {
    return !this.nodeSet.has(node);
  }
}

export const ban: ConstraintKind = {
  id: "ban",
  parse: (c) => new Ban(c.vms("vms"), c.nodes("nodes"), c.continuous()),
};
