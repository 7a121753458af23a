import type { Problem } from "../model/problem.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";
import { rcIndex } from "./support.ts";

/**
 * The node's capacity of `rc` is `ratio` times its physical capacity (the
 * capacity check, final and during the plan, then uses it).
 */
export class Overbook implements Constraint {
  readonly id = "overbook";
  readonly scope = "none";

  constructor(
    readonly node: number,
    readonly rc: string,
    readonly ratio: number,
    readonly continuous = false,
  ) {}

  prepare(t: Targets, p: Problem): void {
    const r = rcIndex(p, this.rc);
    t.capacity[r][this.node] = p.capacity[r][this.node] * this.ratio;
  }

  violation(): null {
    return null;
  }
}

export const overbook: ConstraintKind = {
  id: "overbook",
  parse: (c) => new Overbook(c.node("node"), c.rc("rc"), c.number("ratio"), c.continuous()),
};
