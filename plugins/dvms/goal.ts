import type { Observation, Seconds } from "../../engine/cluster.ts";
import type { IspToken, NodeView } from "./partition.ts";

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
 * The partition's state as the solver sees it: the members' views, ordered
 * by name. For an underload ISP the initiator is shown with no room at all,
 * so Entropy's repair of "overloaded" nodes moves every one of its VMs to the
 * other members (if they have room), with as few migrations as it can.
 */
export function observationOf(token: IspToken, time: Seconds): Observation {
  const names = [...token.nodes].sort();
  const views = names.map((n) => token.views[n]).filter((v): v is NodeView => v !== undefined);
  const emptied = token.goal === "underload" ? token.initiator : null;
  return {
    time,
    nodes: views.map((v) => (v.node.name === emptied ? { ...v.node, cores: 0, memoryMiB: 0 } : v.node)),
    vms: views.flatMap((v) => v.vms).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
