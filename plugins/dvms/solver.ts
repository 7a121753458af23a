import type { ClusterRuntime, Observation, Seconds } from "../../engine/cluster.ts";
import { solveLimits, solveObservation, type PartitionPlan } from "../entropy/index.ts";

export type { PartitionPlan };

/**
 * Solves the placement of one partition (Entropy inside DVMS, docs/dvms.md)
 * within `timeLimit` seconds of `runtime`'s clock.
 */
export type PartitionSolver = (observation: Observation, nodes: readonly string[], timeLimit: Seconds, runtime: ClusterRuntime) => PartitionPlan;

export const entropySolver: PartitionSolver = (observation, nodes, timeLimit, runtime) =>
  solveObservation(observation, { nodes, ...solveLimits(runtime, timeLimit) });
