import type { Problem } from "../model/problem.ts";
import type { Plan } from "../plan/actions.ts";
import { solveExact } from "./exact/solve-exact.ts";
import { solveHeuristic } from "./heuristic.ts";
import type { Placement } from "./placement.ts";

export { violations } from "./repair.ts";

export type SolveStatus = "solved" | "unchanged" | "no-solution" | "timeout";

export interface Solution {
  readonly status: SolveStatus;
  /** The final configuration and its plan; null unless solved or unchanged. */
  readonly placement: Placement | null;
  readonly plan: Plan | null;
  /** VMs the repair let move (misplaced, evicted or ejected). */
  readonly managedVms: number;
  readonly work: number;
  readonly seconds: number;
  /** Why there is no solution: what proves it (no-solution) or that the time ran out (timeout). */
  readonly reasons: readonly string[];
  /** Repair attempts made (the first plus the revisions after dead ends). */
  readonly attempts: number;
  /** Exact mode only. */
  readonly exact?: ExactReport;
}

export interface SolveOptions {
  /** Wall-time limit, used when there is no work limit. */
  readonly timeLimitSeconds?: number;
  /** Work-unit limit (deterministic: replaces the wall-time limit), set on the simulated clock. */
  readonly workLimit?: number;
  /**
   * Placement attempts before giving up (status timeout, reason saying so);
   * unlimited by default. DVMS sets a few: a partition that does not solve
   * quickly grows instead of spending its whole budget.
   */
  readonly maxAttempts?: number;
  /** The repair heuristic (default), or the exact MIP (solver/exact/; load it first with loadExactSolver). */
  readonly solver?: SolverKind;
}

export type SolverKind = "heuristic" | "exact";

/** What the exact mode reports about its MIP. */
export interface ExactReport {
  /** HiGHS's status ("Optimal", "Time limit reached", "Infeasible"...). */
  readonly status: string;
  /** Every movable VM and every node it may use were in the model, and every constraint had rows. */
  readonly complete: boolean;
  /** Proved optimal (status Optimal on a complete model). */
  readonly optimal: boolean;
  /** Migration cost of the MIP's solution (sum of migration durations, the cost if all start at t = 0). */
  readonly objective: number | null;
  readonly variables: number;
  readonly rows: number;
  /** Which plan was kept: the MIP's or the heuristic's (cheaper, or the only one). */
  readonly kept: "exact" | "heuristic";
  readonly seconds: number;
}


/** Repair-mode solve with the chosen solver (heuristic.ts, exact/solve-exact.ts). */
export function solve(p: Problem, options: SolveOptions = {}): Solution {
  return options.solver === "exact" ? solveExact(p, options) : solveHeuristic(p, options);
}
