import type { Problem } from "../model/problem.ts";
import type { Targets } from "../solver/targets.ts";
import type { Constraint, ConstraintKind } from "./constraint.ts";
import { rcIndex } from "./support.ts";

/**
 * The VM gets at least `amount` of resource `rc` on its host: its demand is
 * raised (a load increase); the capacity check then enforces it.
 */
export class Preserve implements Constraint {
  readonly id = "preserve";
  readonly scope = "none";
  readonly continuous = false;

  constructor(
    readonly vm: number,
    readonly rc: string,
    readonly amount: number,
  ) {}

  prepare(t: Targets, p: Problem): void {
    const d = t.demand[rcIndex(p, this.rc)];
    d[this.vm] = Math.max(d[this.vm], this.amount);
  }

  violation(): null {
    return null;
  }
}

export const preserve: ConstraintKind = {
  id: "preserve",
  parse: (c) => new Preserve(c.vm("vm"), c.rc("rc"), c.number("amount")),
};
