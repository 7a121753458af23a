import type { Live } from "../plan/live.ts";
import type { ConstraintKind } from "./constraint.ts";
import { GroupCapacity } from "./group-capacity.ts";

/** At most `amount` VMs run on the nodes. */
export class RunningCapacity extends GroupCapacity {
  readonly id = "runningCapacity";

  protected size(): number {
    return 1;
  }

  protected liveTotal(live: Live): number {
    const vms = new Set<number>();
    for (const n of this.nodes) for (const v of live.presentOn(n)) vms.add(v);
    return vms.size;
  }

  protected countsOnce(): boolean {
    return true;
  }
}

export const runningCapacity: ConstraintKind = {
  id: "runningCapacity",
  parse: (c) => new RunningCapacity(c.nodes("nodes"), c.number("amount"), c.continuous()),
};
