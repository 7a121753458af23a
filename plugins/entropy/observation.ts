import type { Observation, ObservationColumns } from "../../engine/cluster.ts";
import { columnsOf } from "../../engine/observation-columns.ts";
import { Root } from "./constraints/root.ts";
import { assembleProblem } from "./model/builder.ts";
import type { Problem } from "./model/problem.ts";
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
  return solveColumns(columnsOf(obs), options).plan;
}

/** solveObservation on a datacenter's columns (ClusterRuntime.observeColumns), plus the number of VMs the repair managed (for the scheduler's table). */
export function solveColumns(obs: ObservationColumns, options: ObservationSolveOptions): { plan: PartitionPlan; managedVms: number } {
  const started = performance.now();
  const problem = problemOf(obs, options.nodes ? new Set(options.nodes) : null);
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

/**
 * The observed nodes (those `wanted`, all when null) and their VMs as a
 * Problem, straight from the columns (the whole datacenter's are used as
 * they are): resources cpu (cores) and mem (MiB), every VM running, a VM
 * already migrating rooted where it is, VMs of unobserved nodes left out.
 */
export function problemOf(obs: ObservationColumns, wanted: ReadonlySet<string> | null): Problem {
  const { nodes: n, vms: v } = obs;
  if (wanted === null && v.node.every((node) => node >= 0)) {
    const constraints: Root[] = [];
    for (let i = 0; i < v.migrating.length; i++) if (v.migrating[i] === 1) constraints.push(new Root(i));
    return assembleProblem({ nodes: n.name, vms: v.name, resources: ["cpu", "mem"], nodeOnline: Array.from(n.online, (o) => o === 1), capacity: [n.cores, n.memoryMiB], host: v.node, demand: [v.cpuDemand, v.memoryMiB], constraints });
  }
  // the position of each observed node among the wanted ones, -1 if not wanted
  const position = new Int32Array(n.name.length).fill(-1);
  const kept: number[] = [];
  n.name.forEach((name, i) => {
    if (wanted === null || wanted.has(name)) {
      position[i] = kept.length;
      kept.push(i);
    }
  });
  const vms: number[] = [];
  for (let i = 0; i < v.node.length; i++) if (v.node[i] >= 0 && position[v.node[i]] >= 0) vms.push(i);
  const constraints: Root[] = [];
  vms.forEach((i, at) => {
    if (v.migrating[i] === 1) constraints.push(new Root(at));
  });
  return assembleProblem({
    nodes: kept.map((i) => n.name[i]),
    vms: vms.map((i) => v.name[i]),
    resources: ["cpu", "mem"],
    nodeOnline: kept.map((i) => n.online[i] === 1),
    capacity: [Float64Array.from(kept, (i) => n.cores[i]), Float64Array.from(kept, (i) => n.memoryMiB[i])],
    host: Int32Array.from(vms, (i) => position[v.node[i]]),
    demand: [Float64Array.from(vms, (i) => v.cpuDemand[i]), Float64Array.from(vms, (i) => v.memoryMiB[i])],
    constraints,
  });
}
