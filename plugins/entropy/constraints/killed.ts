import type { ConstraintKind } from "./constraint.ts";
import { VmStateConstraint } from "./vm-state.ts";

/** The VM ends in state 'killed'. */
export const killed: ConstraintKind = {
  id: "killed",
  parse: (c) => new VmStateConstraint("killed", c.vm("vm"), "killed"),
};
