import { describe, expect, it } from "vitest";
import { NodeStateConstraint } from "../../plugins/entropy/constraints/node-state.ts";
import { ProblemBuilder } from "../../plugins/entropy/model/builder.ts";
import { planReconfiguration } from "../../plugins/entropy/plan/planner.ts";
import { Budget } from "../../plugins/entropy/solver/budget.ts";
import { improve } from "../../plugins/entropy/solver/improve.ts";
import { Placement } from "../../plugins/entropy/solver/placement.ts";
import { Placer } from "../../plugins/entropy/solver/placer.ts";
import { prepareTargets } from "../../plugins/entropy/solver/targets.ts";

// The placer rarely leaves work for the local search, so it is tested on a deliberately poor placement.
describe("local search", () => {
  it("moves a waiting migration to a node with room now, then brings a needlessly moved VM home", () => {
    const [n1, n2, n3, x, y] = [0, 1, 2, 0, 1];
    const p = new ProblemBuilder()
      .node("n1", { capacity: { cpu: 4 } })
      .node("n2", { capacity: { cpu: 8 } })
      .node("n3", { capacity: { cpu: 4 } })
      .vm("x", { host: "n1", demand: { cpu: 3 } })
      .vm("y", { host: "n3", demand: { cpu: 2 } })
      .constrain(new NodeStateConstraint("offline", n3, false))
      .build();
    const pl = new Placement(p, prepareTargets(p));
    const budget = new Budget(5);
    const placer = new Placer(pl, budget);
    placer.assign(x, n2); // x did not need to move
    placer.assign(y, n1); // y waits for x to leave n1
    const first = planReconfiguration(pl, budget).plan!;
    const waiting = first.actions.find((a) => a.kind === "migrate" && a.vm === y)!;
    expect(waiting.start).toBeGreaterThan(0);

    const best = improve(placer, first, budget);
    expect(best.plan.cost).toBeLessThan(first.cost);
    expect(best.placement.host[x]).toBe(n1);
    expect(best.placement.host[y]).toBe(n2);
    expect(best.plan.actions.filter((a) => a.kind === "migrate")).toHaveLength(1);
    expect(best.plan.actions.every((a) => a.start === 0 || a.kind === "shutdownNode")).toBe(true);
  });
});
