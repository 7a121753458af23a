import type { ClusterRuntime, Observation, ObservationColumns } from "./cluster.ts";

/** An observation as columns; a VM on a node the observation does not list gets node -1. */
export function columnsOf(obs: Observation): ObservationColumns {
  const index = new Map<string, number>();
  obs.nodes.forEach((n, i) => index.set(n.name, i));
  const node = new Int32Array(obs.vms.length);
  // VMs mostly come grouped by node: one map lookup per run of VMs on one node, not per VM
  let lastNode: string | undefined;
  let last = -1;
  obs.vms.forEach((v, i) => {
    if (v.node !== lastNode) {
      lastNode = v.node;
      last = index.get(v.node) ?? -1;
    }
    node[i] = last;
  });
  return {
    time: obs.time,
    nodes: {
      name: obs.nodes.map((n) => n.name),
      cores: Float64Array.from(obs.nodes, (n) => n.cores),
      memoryMiB: Float64Array.from(obs.nodes, (n) => n.memoryMiB),
      online: Uint8Array.from(obs.nodes, (n) => (n.online ? 1 : 0)),
    },
    vms: {
      name: obs.vms.map((v) => v.name),
      node,
      memoryMiB: Float64Array.from(obs.vms, (v) => v.memoryMiB),
      cpuDemand: Float64Array.from(obs.vms, (v) => v.cpuDemand),
      migrating: Uint8Array.from(obs.vms, (v) => (v.migrating ? 1 : 0)),
    },
  };
}

/** Every node and VM as columns: the runtime's own where it has them, else its observation converted (same values, same order). */
export function observeColumns(runtime: ClusterRuntime): ObservationColumns {
  return runtime.observeColumns?.() ?? columnsOf(runtime.observe());
}
