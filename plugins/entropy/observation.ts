import type { Observation } from "../../engine/cluster.ts";
import { Root } from "./constraints/root.ts";
import { DEFAULT_ACTION_SECONDS, memoryMigrationSeconds } from "./model/builder.ts";
import type { Problem, VmStatus } from "./model/problem.ts";
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
 * The observed nodes (those `wanted`) and their VMs as a Problem, built in
 * one pass into typed arrays: resources cpu (cores) and mem (MiB), every VM
 * running, a VM already migrating rooted where it is. What ProblemBuilder
 * would build, without its per-element maps, which at 100,000 nodes cost
 * more than the solve itself.
 */
export function problemOf(obs: Observation, wanted: ReadonlySet<string> | null): Problem {
  const index = new Map<string, number>();
  const nodes: string[] = [];
  const nodeOnline: boolean[] = [];
  const cores: number[] = [];
  const memory: number[] = [];
  for (const n of obs.nodes) {
    if (wanted && !wanted.has(n.name)) continue;
    index.set(n.name, nodes.length);
    nodes.push(n.name);
    nodeOnline.push(n.online);
    cores.push(n.cores);
    memory.push(n.memoryMiB);
  }
  const vms: string[] = [];
  const hosts: number[] = [];
  const cpu: number[] = [];
  const mib: number[] = [];
  const constraints: Root[] = [];
  // VMs come grouped by node: one map lookup per run of VMs on one node, not per VM.
  let lastNode: string | undefined;
  let last = -1;
  for (const v of obs.vms) {
    if (v.node !== lastNode) {
      lastNode = v.node;
      last = index.get(v.node) ?? -1;
    }
    if (last < 0) continue;
    if (v.migrating) constraints.push(new Root(vms.length));
    vms.push(v.name);
    hosts.push(last);
    cpu.push(v.cpuDemand);
    mib.push(v.memoryMiB);
  }
  const memoryDemand = Float64Array.from(mib);
  return {
    nodes,
    vms,
    resources: ["cpu", "mem"],
    nodeOnline,
    capacity: [Float64Array.from(cores), Float64Array.from(memory)],
    vmStatus: new Array<VmStatus>(vms.length).fill("running"),
    host: Int32Array.from(hosts),
    demand: [Float64Array.from(cpu), memoryDemand],
    durations: {
      migrate: memoryDemand.map(memoryMigrationSeconds),
      bootVm: new Float64Array(vms.length).fill(DEFAULT_ACTION_SECONDS),
      shutdownVm: new Float64Array(vms.length).fill(DEFAULT_ACTION_SECONDS),
      bootNode: new Float64Array(nodes.length).fill(DEFAULT_ACTION_SECONDS),
      shutdownNode: new Float64Array(nodes.length).fill(DEFAULT_ACTION_SECONDS),
    },
    constraints,
  };
}
