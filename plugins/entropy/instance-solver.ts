import type { InstanceSolver, SolveStats } from "../../engine/solver.ts";
import { readInstanceFile } from "./io/instance-reader.ts";
import { planToJson, writePlanFile } from "./io/plan-writer.ts";
import { loadExactSolver } from "./solver/exact/highs.ts";
import { solve } from "./solver/solve.ts";

/** `g5k-flow solve`: reads a BtrPlace instance, repairs it, writes the plan file. */
export const entropySolver: InstanceSolver = {
  name: "entropy",
  async solveInstanceFile(path, options): Promise<SolveStats> {
    const problem = await readInstanceFile(path);
    if (options.exact) await loadExactSolver();
    const s = solve(problem, { timeLimitSeconds: options.timeLimitSeconds, solver: options.exact ? "exact" : "heuristic" });
    if (options.out && s.placement && s.plan) await writePlanFile(options.out, planToJson(s.placement, s.plan));
    const actions = s.plan?.actions ?? [];
    return {
      solver: "entropy",
      instance: path,
      status: s.status,
      solveSeconds: s.seconds,
      migrations: actions.filter((a) => a.kind === "migrate").length,
      actions: actions.length,
      planDuration: s.plan?.duration ?? 0,
      cost: s.plan?.cost ?? 0,
      managedVms: s.managedVms,
      nodes: problem.nodes.length,
      vms: problem.vms.length,
      work: s.work,
      reasons: s.reasons,
      attempts: s.attempts,
      ...(s.exact ? { exact: { ...s.exact } } : {}),
    };
  },
};
