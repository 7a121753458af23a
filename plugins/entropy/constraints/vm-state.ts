import type { Problem, VmStatus } from "../model/problem.ts";
import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint } from "./constraint.ts";

/** Common shape of running, ready and killed: fixes one VM's final state. */
export class VmStateConstraint implements Constraint {
  readonly scope = "none";
  readonly continuous = false;
  private conflict = false;

  constructor(
    readonly id: string,
    readonly vm: number,
    readonly status: VmStatus,
  ) {}

  prepare(t: Targets, p: Problem): void {
    if (p.vmStatus[this.vm] === "killed" && this.status !== "killed") this.conflict = true;
    // A second state constraint on the same VM that disagrees leaves the first one violated.
    t.vmStatus[this.vm] = this.status;
  }

  violation(pl: Placement): string | null {
    const name = pl.problem.vms[this.vm];
    if (this.conflict) return `${this.id}: VM '${name}' is killed and cannot change state`;
    if (pl.targets.vmStatus[this.vm] !== this.status) return `${this.id}: VM '${name}' ends ${pl.targets.vmStatus[this.vm]}`;
    const running = pl.host[this.vm] >= 0;
    return running === (this.status === "running") ? null : `${this.id}: VM '${name}' is ${running ? "" : "not "}running`;
  }
}
