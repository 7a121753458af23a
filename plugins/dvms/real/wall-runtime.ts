import type { AgentNetwork, ClusterRuntime, MigrationResult, Observation } from "../../../engine/cluster.ts";

/** Carries out a migration the agent decided (virsh, run by the agent process). */
export type MigrationExecutor = (vm: string, to: string, done: (result: MigrationResult) => void) => void;

/**
 * The ClusterRuntime of one agent process on a real testbed: wall-clock
 * timers, its own node's measurements as observation, migrations handed to
 * an executor, no charged compute time (the solver already took real time).
 */
export function wallRuntime(parts: {
  readonly epoch: number;
  /** The agent's node as last measured. */
  readonly observe: () => Observation;
  readonly onLoadChange: (listener: (node: string, overloaded: boolean) => void) => void;
  readonly network: AgentNetwork;
  readonly migrate: MigrationExecutor;
}): ClusterRuntime {
  const now = (): number => Date.now() / 1000 - parts.epoch;
  return {
    clock: "wall",
    now,
    setTimer: (delay, fire) => {
      const handle = setTimeout(fire, Math.max(0, delay * 1000));
      return { cancel: () => clearTimeout(handle) };
    },
    observe: () => ({ ...parts.observe(), time: now() }),
    onLoadChange: parts.onLoadChange,
    migrate: parts.migrate,
    computeDelay: () => 0,
    network: parts.network,
  };
}
