import type { ConstraintKind } from "./constraint.ts";
import { NodeStateConstraint } from "./node-state.ts";

/** The node ends offline. */
export const offline: ConstraintKind = {
  id: "offline",
  parse: (c) => new NodeStateConstraint("offline", c.node("node"), false),
};
