/** DVMS: decentralized scheduling by cooperating node agents (DESIGN §6.2). */
import type { ClusterRuntime } from "../../engine/cluster.ts";
import type { SchedulerPlugin } from "../../engine/scheduler.ts";
import { resolveOptions, type DvmsOptions } from "./options.ts";
import { DvmsScheduler } from "./scheduler.ts";
import { entropySolver, type PartitionSolver } from "./solver.ts";

export { Agent, type AgentEnv, type PublicState } from "./agent.ts";
export { IspLog, type DvmsEvents, type IspEnd, type IspRecord } from "./isp-log.ts";
export type { DvmsMessage } from "./messages.ts";
export { DEFAULT_OPTIONS, resolveOptions, type DvmsOptions } from "./options.ts";
export type { IspOutcome, IspToken } from "./partition.ts";
export { DvmsScheduler } from "./scheduler.ts";
export { entropySolver, type PartitionSolver } from "./solver.ts";
export { DvmsController, type ControllerSpec, type MigrationRequest } from "./real/controller.ts";

/** All agents of `cluster` in this process; `solve` defaults to Entropy. */
export function createDvms(
  cluster: ClusterRuntime,
  options: Readonly<Record<string, unknown>> = {},
  solve: PartitionSolver = entropySolver,
): DvmsScheduler {
  return new DvmsScheduler(cluster, resolveOptions(options), solve);
}

export const dvmsScheduler: SchedulerPlugin<DvmsOptions> = {
  name: "dvms",
  description: "decentralized: node agents on a ring grow partitions until Entropy solves each overload",
  create: (cluster, options) => createDvms(cluster, options),
};
