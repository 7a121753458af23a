import type { ConstraintKind } from "./constraint.ts";
import { VmStateConstraint } from "./vm-state.ts";

/** The VM ends in state 'ready'. */
export const ready: ConstraintKind = {
  id: "ready",
  parse: (c) => new VmStateConstraint("ready", c.vm("vm"), "ready"),
};
