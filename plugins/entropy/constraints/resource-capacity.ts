import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { ConstraintKind } from "./constraint.ts";
import { GroupCapacity } from "./group-capacity.ts";
import { rcIndex } from "./support.ts";

/** The summed use of resource `rc` over the nodes stays within `amount`. */
export class ResourceCapacity extends GroupCapacity {
  readonly id = "resourceCapacity";

  constructor(
    nodes: readonly number[],
    readonly rc: string,
    amount: number,
    continuous = false,
  ) {
    super(nodes, amount, continuous);
  }

  protected size(pl: Pick<Placement, "problem" | "targets">, vm: number): number {
    return pl.targets.demand[rcIndex(pl.problem, this.rc)][vm];
  }

  protected liveTotal(live: Live): number {
    const u = live.usage[rcIndex(live.problem, this.rc)];
    return this.nodes.reduce((s, n) => s + u[n], 0);
  }

  protected countsOnce(): boolean {
    return false;
  }
}

export const resourceCapacity: ConstraintKind = {
  id: "resourceCapacity",
  parse: (c) => new ResourceCapacity(c.nodes("nodes"), c.rc("rc"), c.number("amount"), c.continuous()),
};
