/** DVMS: decentralized scheduling by cooperating node agents (docs/dvms.md). */
import type { ClusterRuntime } from "../../engine/cluster.ts";
import type { Scheduler, SchedulerPlugin } from "../../engine/scheduler.ts";
import { resolveOptions, type DvmsOptions } from "./options.ts";
import { ProcessDvmsScheduler } from "./real/process-scheduler.ts";
import { DvmsScheduler } from "./scheduler.ts";
import { loadExactSolver } from "../entropy/index.ts";
import { partitionSolver, type PartitionSolver } from "./solver.ts";

export { Agent, type AgentEnv, type PublicState } from "./agent.ts";
export { IspLog, type DvmsEvents, type IspEnd, type IspRecord } from "./isp-log.ts";
export type { DvmsMessage } from "./messages.ts";
export { DEFAULT_OPTIONS, resolveOptions, type DvmsOptions } from "./options.ts";
export type { IspGoal, IspOutcome, IspToken } from "./partition.ts";
export { DvmsScheduler } from "./scheduler.ts";
export { entropySolver, partitionSolver, type PartitionSolver } from "./solver.ts";
export { DvmsController, type AgentStatus, type ControllerSpec } from "./real/controller.ts";
export { ProcessDvmsScheduler } from "./real/process-scheduler.ts";

/**
 * One agent process per node where the testbed can host them (real
 * testbeds), all agents in this process otherwise (the simulation).
 */
export function dvmsOn(cluster: ClusterRuntime, options: Readonly<Record<string, unknown>> = {}): Scheduler {
  resolveOptions(options); // bad options fail here, not in every agent process
  return cluster.agentHosting ? new ProcessDvmsScheduler(cluster, cluster.agentHosting, options) : createDvms(cluster, options);
}

/** All agents of `cluster` in this process; `solve` defaults to Entropy with the `solver` option's kind. */
export function createDvms(cluster: ClusterRuntime, options: Readonly<Record<string, unknown>> = {}, solve?: PartitionSolver): DvmsScheduler {
  const resolved = resolveOptions(options);
  return new DvmsScheduler(cluster, resolved, solve ?? partitionSolver(resolved.solver));
}

export const dvmsScheduler: SchedulerPlugin<DvmsOptions> = {
  name: "dvms",
  description: "decentralized: node agents on a ring grow partitions until Entropy solves each overload",
  // The overlay's random choices follow the run seed (stream "dvms.overlay") unless a seed option is given.
  create: (cluster, options = {}, init) => dvmsOn(cluster, init && options.seed === undefined ? { ...options, seed: init.streamSeed("dvms.overlay") } : options),
  prepare: async (options = {}) => {
    if (resolveOptions(options).solver === "exact") await loadExactSolver();
  },
};
