import type { ClusterRuntime, Observation, Seconds } from "../../engine/cluster.ts";
import { solveLimits, solveObservation, type PartitionPlan, type SolverKind } from "../entropy/index.ts";

export type { PartitionPlan };

/**
 * Solves the placement of one partition (Entropy inside DVMS, docs/dvms.md)
 * within `timeLimit` seconds of `runtime`'s clock.
 */
export type PartitionSolver = (observation: Observation, nodes: readonly string[], timeLimit: Seconds, runtime: ClusterRuntime) => PartitionPlan;

/** Placement attempts per partition: one that does not solve at once grows (the DVMS protocol) rather than spending the whole budget. */
const PARTITION_ATTEMPTS = 1;

/** Entropy with its heuristic or its exact MIP (load it first: loadExactSolver). */
export const partitionSolver =
  (solver: SolverKind): PartitionSolver =>
  (observation, nodes, timeLimit, runtime) =>
    solveObservation(observation, { nodes, ...solveLimits(runtime, timeLimit), solver, maxAttempts: PARTITION_ATTEMPTS });

export const entropySolver: PartitionSolver = partitionSolver("heuristic");
