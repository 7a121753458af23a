import type { ConstraintKind } from "./constraint.ts";
import { VmStateConstraint } from "./vm-state.ts";

/** The VM ends in state 'running'. */
export const running: ConstraintKind = {
  id: "running",
  parse: (c) => new VmStateConstraint("running", c.vm("vm"), "running"),
};
