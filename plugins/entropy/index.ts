/** Entropy: constraint-based placement and reconfiguration planning (docs/entropy.md). */
export { entropySolver } from "./instance-solver.ts";
export { solveLimits } from "./limits.ts";
export { solveObservation, type ObservationSolveOptions, type PartitionPlan, type PlannedMigration } from "./observation.ts";
export { solverKind, type EntropyOptions } from "./options.ts";
export { entropyScheduler } from "./scheduler.ts";
export { readInstanceFile, parseInstance } from "./io/instance-reader.ts";
export { planToJson, writePlanFile, type PlanJson, type PlanActionJson } from "./io/plan-writer.ts";
export { solve, type ExactReport, type Solution, type SolveOptions, type SolveStatus, type SolverKind } from "./solver/solve.ts";
export type { Problem, VmStatus } from "./model/problem.ts";
export { hardInstance, INFEASIBLE_KINDS, type HardInstance, type HardInstanceOptions, type InfeasibleKind } from "./generate/hard-instances.ts";
export { exactRuntime, loadExactSolver } from "./solver/exact/highs.ts";
export { repairModelLp } from "./solver/exact/solve-exact.ts";
