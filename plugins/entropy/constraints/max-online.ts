import type { Problem } from "../model/problem.ts";
import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";

/** At most `amount` of the nodes are online. */
export class MaxOnline implements Constraint {
  readonly id = "maxOnline";
  readonly scope = "none";

  constructor(
    readonly nodes: readonly number[],
    readonly amount: number,
    readonly continuous = false,
  ) {}

  /** Switches off the emptiest nodes not fixed online until the bound holds. */
  decideNodes(t: Targets, p: Problem): void {
    const load = new Int32Array(p.nodes.length);
    p.host.forEach((n, v) => {
      if (n >= 0 && p.vmStatus[v] === "running") load[n]++;
    });
    const on = this.nodes.filter((n) => t.nodeOnline[n]);
    const spare = on.filter((n) => !t.nodeFixed[n]).sort((a, b) => load[a] - load[b] || a - b);
    for (let i = 0; i < on.length - this.amount && i < spare.length; i++) t.nodeOnline[spare[i]] = false;
  }

  violation(pl: Placement): string | null {
    const on = this.nodes.filter((n) => pl.targets.nodeOnline[n]).length;
    return on <= this.amount ? null : `maxOnline: ${on} nodes online > ${this.amount}`;
  }

  admitsNodeBoot(live: Live, node: number): boolean {
    return !this.nodes.includes(node) || this.nodes.filter((n) => live.isUp(n)).length < this.amount;
  }
}

export const maxOnline: ConstraintKind = {
  id: "maxOnline",
  parse: (c) => new MaxOnline(c.nodes("nodes"), c.number("amount"), c.continuous()),
};
