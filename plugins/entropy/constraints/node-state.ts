import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint } from "./constraint.ts";

/** Common shape of online and offline: fixes one node's final state. */
export class NodeStateConstraint implements Constraint {
  readonly scope = "none";
  readonly continuous = false;

  constructor(
    readonly id: string,
    readonly node: number,
    readonly online: boolean,
  ) {}

  prepare(t: Targets): void {
    t.nodeOnline[this.node] = this.online;
    t.nodeFixed[this.node] = 1;
  }

  violation(pl: Placement): string | null {
    const name = pl.problem.nodes[this.node];
    if (pl.targets.nodeOnline[this.node] !== this.online) return `${this.id}: node '${name}' ends ${this.online ? "offline" : "online"}`;
    return this.online || pl.vmsOn(this.node).length === 0 ? null : `${this.id}: node '${name}' still hosts VMs`;
  }
}
