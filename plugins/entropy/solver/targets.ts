import type { Problem, VmStatus } from "../model/problem.ts";

/**
 * What the final configuration must look like, before placement: node and VM
 * states, demands (raised by preserve) and capacities (scaled by overbook),
 * and the VMs that may not move. Constraints fill it in their `prepare`.
 */
export interface Targets {
  readonly nodeOnline: boolean[];
  /** Set when a constraint fixed the node's final state (online/offline). */
  readonly nodeFixed: Uint8Array;
  readonly vmStatus: VmStatus[];
  /** demand[r][vm], final. */
  readonly demand: Float64Array[];
  /** capacity[r][node], final (overbooked). */
  readonly capacity: Float64Array[];
  /** VMs that keep their current host (root, quarantine). */
  readonly pinned: Uint8Array;
}

export function initialTargets(p: Problem): Targets {
  return {
    nodeOnline: [...p.nodeOnline],
    nodeFixed: new Uint8Array(p.nodes.length),
    vmStatus: [...p.vmStatus],
    demand: p.demand.map((d) => Float64Array.from(d)),
    capacity: p.capacity.map((c) => Float64Array.from(c)),
    pinned: new Uint8Array(p.vms.length),
  };
}

export function prepareTargets(p: Problem): Targets {
  const t = initialTargets(p);
  for (const c of p.constraints) c.prepare?.(t, p);
  // Node-count constraints choose which nodes to switch off once every fixed state is known.
  for (const c of p.constraints) c.decideNodes?.(t, p);
  return t;
}

/** Usage, per resource, of every node: add and remove VMs with their final demand, ask whether one more fits. */
export class Usage {
  readonly used: Float64Array[];

  constructor(
    private readonly targets: Targets,
    nodes: number,
  ) {
    this.used = targets.demand.map(() => new Float64Array(nodes));
  }

  add(vm: number, node: number, sign: 1 | -1 = 1): void {
    const d = this.targets.demand;
    for (let r = 0; r < d.length; r++) this.used[r][node] += sign * d[r][vm];
  }

  /** True when `vm` fits on `node` by every resource (final, overbooked capacities). */
  fits(vm: number, node: number): boolean {
    const { demand, capacity } = this.targets;
    for (let r = 0; r < demand.length; r++) {
      if (this.used[r][node] + demand[r][vm] > capacity[r][node] + 1e-9) return false;
    }
    return true;
  }
}
