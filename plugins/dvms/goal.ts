import type { Observation, Seconds } from "../../engine/cluster.ts";
import type { IspGoal, NodeView } from "./partition.ts";

const EPSILON = 1e-9;

function demand(view: NodeView): number {
  let sum = 0;
  for (const vm of view.vms) sum += vm.cpuDemand;
  return sum;
}

/** Overload event: the VMs' summed CPU demand exceeds the node's cores. */
export function overloaded(view: NodeView): boolean {
  return demand(view) > view.node.cores + EPSILON;
}

/** Underload event: the node hosts VMs but uses less than `threshold` of its cores. */
export function underloaded(view: NodeView, threshold: number): boolean {
  return view.vms.length > 0 && demand(view) < threshold * view.node.cores - EPSILON;
}

/**
 * A partition's summed VM demand and node capacity (CPU cores, memory MiB):
 * kept in the token as nodes join, so a leader can tell a hopeless partition
 * without its members' views (docs/dvms.md, necessary condition).
 */
export interface PartitionLoad {
  readonly cpu: number;
  readonly cores: number;
  readonly memory: number;
  readonly memoryMiB: number;
}

export const NO_LOAD: PartitionLoad = { cpu: 0, cores: 0, memory: 0, memoryMiB: 0 };

/** One member's share of the partition's load; an underload ISP's initiator offers no room (see observationOf). */
export function loadOf(view: NodeView, emptied: boolean): PartitionLoad {
  let memory = 0;
  for (const vm of view.vms) memory += vm.memoryMiB;
  return { cpu: demand(view), cores: emptied ? 0 : view.node.cores, memory, memoryMiB: emptied ? 0 : view.node.memoryMiB };
}

export function addLoad(a: PartitionLoad, b: PartitionLoad): PartitionLoad {
  return { cpu: a.cpu + b.cpu, cores: a.cores + b.cores, memory: a.memory + b.memory, memoryMiB: a.memoryMiB + b.memoryMiB };
}

/**
 * Necessary for Entropy to find a placement without an overloaded node: the
 * partition's VMs fit in its nodes in sum. False: the solver cannot succeed,
 * the partition grows without calling it.
 */
export function mayFit(load: PartitionLoad): boolean {
  return load.cpu <= load.cores + EPSILON && load.memory <= load.memoryMiB + EPSILON;
}

/**
 * The partition's state as the solver sees it: the members' views, ordered
 * by name. For an underload ISP the initiator is shown with no room at all,
 * so Entropy's repair of "overloaded" nodes moves every one of its VMs to the
 * other members (if they have room), with as few migrations as it can.
 */
export function observationOf(partition: { readonly goal: IspGoal; readonly initiator: string }, members: ReadonlyMap<string, NodeView>, time: Seconds): Observation {
  const names = [...members.keys()].sort();
  const views = names.map((n) => members.get(n)!);
  const emptied = partition.goal === "underload" ? partition.initiator : null;
  return {
    time,
    nodes: views.map((v) => (v.node.name === emptied ? { ...v.node, cores: 0, memoryMiB: 0 } : v.node)),
    vms: views.flatMap((v) => v.vms).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
