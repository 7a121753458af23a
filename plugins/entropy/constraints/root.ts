import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";

/** The VM is never migrated: it stays on its current node. */
export class Root implements Constraint {
  readonly id = "root";
  readonly scope = "none";
  /** Never moving holds at every instant by nature. */
  readonly continuous = true;

  constructor(readonly vm: number) {}

  prepare(t: Targets): void {
    t.pinned[this.vm] = 1;
  }

  violation(pl: Placement): string | null {
    const { host, vmStatus, vms } = pl.problem;
    const moved = vmStatus[this.vm] === "running" && pl.host[this.vm] >= 0 && pl.host[this.vm] !== host[this.vm];
    return moved ? `root: VM '${vms[this.vm]}' was migrated` : null;
  }
}

export const root: ConstraintKind = {
  id: "root",
  parse: (c) => new Root(c.vm("vm")),
};
