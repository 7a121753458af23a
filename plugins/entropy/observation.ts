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
 * Problem, straight from the columns: resources cpu (cores) and mem (MiB),
 * every VM running, a VM already migrating rooted where it is, VMs of
 * unobserved nodes left out. One path for a DVMS partition and the whole
 * datacenter: a selection of everything takes the columns as they are (at
 * 100,000 PMs copying them costs about 0.15 CPU-s per decision, BENCHMARKS.md).
 */
export function problemOf(obs: ObservationColumns, wanted: ReadonlySet<string> | null): Problem {
  const { nodes: n, vms: v } = obs;
  // the position of each observed node among the wanted ones, -1 if not wanted
  const position = new Int32Array(n.name.length);
  const kept = new Int32Array(n.name.length);
  let nodeCount = 0;
  for (let i = 0; i < n.name.length; i++) {
    position[i] = wanted === null || wanted.has(n.name[i]) ? nodeCount : -1;
    if (position[i] >= 0) kept[nodeCount++] = i;
  }
  const nodes = kept.subarray(0, nodeCount);
  const picked = new Int32Array(v.node.length);
  let vmCount = 0;
  for (let i = 0; i < v.node.length; i++) if (v.node[i] >= 0 && position[v.node[i]] >= 0) picked[vmCount++] = i;
  const vms = picked.subarray(0, vmCount);
  const constraints: Root[] = [];
  for (let at = 0; at < vmCount; at++) if (v.migrating[vms[at]] === 1) constraints.push(new Root(at));
  return assembleProblem({
    nodes: pick(n.name, nodes),
    vms: pick(v.name, vms),
    resources: ["cpu", "mem"],
    nodeOnline: Array.from(nodes, (i) => n.online[i] === 1),
    capacity: [pickNumbers(n.cores, nodes), pickNumbers(n.memoryMiB, nodes)],
    // every node kept: positions are the observation's own node indices
    host: nodeCount === n.name.length ? pickNumbers(v.node, vms) : Int32Array.from(vms, (i) => position[v.node[i]]),
    demand: [pickNumbers(v.cpuDemand, vms), pickNumbers(v.memoryMiB, vms)],
    constraints,
  });
}

/** The entries of `column` at the increasing indices `at`: the column itself when `at` holds them all. */
function pick(column: readonly string[], at: Int32Array): readonly string[] {
  return at.length === column.length ? column : Array.from(at, (i) => column[i]);
}

function pickNumbers<T extends Float64Array | Int32Array>(column: T, at: Int32Array): T {
  if (at.length === column.length) return column;
  const out = column.slice(0, at.length) as T; // an array of the column's kind and the selection's length
  for (let k = 0; k < at.length; k++) out[k] = column[at[k]];
  return out;
}
