import type { Observation } from "../../engine/cluster.ts";
import { Root } from "./constraints/root.ts";
import { ProblemBuilder } from "./model/builder.ts";
import { solve, type SolveOptions } from "./solver/solve.ts";

export interface PlannedMigration {
  readonly vm: string;
  readonly from: string;
  readonly to: string;
  /** Seconds from the moment the plan is applied. */
  readonly start: number;
  readonly end: number;
}

export interface PartitionPlan {
  readonly status: "solved" | "no-solution" | "unchanged" | "timeout";
  /**
   * Ordered by start. A migration may depend on earlier ones (its destination
   * gets room when they end; a VM moved through a pivot appears twice): start
   * each one only once every migration ending at or before its start is done.
   */
  readonly actions: PlannedMigration[];
  /** Deterministic work units, for ClusterRuntime.computeDelay. */
  readonly work: number;
  /** Measured wall time of the solve (differs between reruns: keep it out of simulated results). */
  readonly seconds: number;
}

/** Which nodes to solve over (all by default) and the solve's budget (see solveLimits). */
export interface ObservationSolveOptions extends SolveOptions {
  readonly nodes?: readonly string[];
}

/**
 * Entropy on an observed datacenter, restricted to `nodes` (all by default;
 * DVMS passes its partition): CPU demand in cores against node cores, memory
 * against node memory. Repairs overloaded nodes with as little migration
 * (weighted by memory) as possible. VMs already migrating stay where they are.
 */
export function solveObservation(obs: Observation, options: ObservationSolveOptions = {}): PartitionPlan {
  return solveObservationDetailed(obs, options).plan;
}

/** solveObservation plus the number of VMs the repair managed (for the scheduler's table). */
export function solveObservationDetailed(obs: Observation, options: ObservationSolveOptions): { plan: PartitionPlan; managedVms: number } {
  const started = performance.now();
  const wanted = options.nodes ? new Set(options.nodes) : null;
  const b = new ProblemBuilder();
  for (const n of obs.nodes) {
    if (!wanted || wanted.has(n.name)) b.node(n.name, { online: n.online, capacity: { cpu: n.cores, mem: n.memoryMiB } });
  }
  const busy: string[] = [];
  for (const v of obs.vms) {
    if (!b.hasNode(v.node)) continue;
    b.vm(v.name, { host: v.node, demand: { cpu: v.cpuDemand, mem: v.memoryMiB } });
    if (v.migrating) busy.push(v.name);
  }
  for (const name of busy) b.constrain(new Root(b.vmIndex(name)));
  const problem = b.build();
  const s = solve(problem, { ...options, timeLimitSeconds: options.timeLimitSeconds ?? 10 });
  const actions: PlannedMigration[] = [];
  for (const a of s.plan?.actions ?? []) {
    if (a.kind === "migrate") {
      actions.push({ vm: problem.vms[a.vm], from: problem.nodes[a.from], to: problem.nodes[a.to], start: a.start, end: a.end });
    }
  }
  const plan: PartitionPlan = { status: s.status, actions, work: s.work, seconds: (performance.now() - started) / 1000 };
  return { plan, managedVms: s.managedVms };
}
