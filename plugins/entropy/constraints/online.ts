import type { ConstraintKind } from "./constraint.ts";
import { NodeStateConstraint } from "./node-state.ts";

/** The node ends online. */
export const online: ConstraintKind = {
  id: "online",
  parse: (c) => new NodeStateConstraint("online", c.node("node"), true),
};
