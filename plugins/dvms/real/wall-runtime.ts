import type { AgentNetwork, ClusterRuntime, MigrationResult } from "../../../engine/cluster.ts";
import type { LocalView } from "./local-view.ts";

/** Carries out a migration the agent decided (the controller, which may call virsh). */
export type MigrationExecutor = (vm: string, to: string, done: (result: MigrationResult) => void) => void;

/**
 * The ClusterRuntime of one agent process on a real testbed: wall-clock
 * timers, the local view as observation, migrations handed to an executor,
 * no charged compute time (the solver already took real time).
 */
export function wallRuntime(parts: {
  readonly epoch: number;
  readonly view: LocalView;
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
    observe: () => parts.view.observe(now()),
    onLoadChange: (listener) => parts.view.onLoadChange(listener),
    migrate: parts.migrate,
    computeDelay: () => 0,
    network: parts.network,
  };
}
