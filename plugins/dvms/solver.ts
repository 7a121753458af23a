import type { Observation, Seconds } from "../../engine/cluster.ts";
import { solveObservation, type PartitionPlan } from "../entropy/index.ts";

export type { PartitionPlan };

/** Solves the placement of one partition (Entropy inside DVMS, DESIGN §6.2). */
export type PartitionSolver = (observation: Observation, nodes: readonly string[], timeLimit: Seconds) => PartitionPlan;

export const entropySolver: PartitionSolver = (observation, nodes, timeLimit) =>
  solveObservation(observation, { nodes, timeLimitSeconds: timeLimit });
