import type { NodeState, Observation, Seconds, VmState } from "../../../engine/cluster.ts";

/**
 * What one agent process knows of the datacenter: its own node and VMs,
 * kept fresh by its monitor. Listeners hear capacity crossings, as the
 * simulated runtime's onLoadChange.
 */
export class LocalView {
  private vms: readonly VmState[] = [];
  private overloaded = false;
  private readonly listeners: ((node: string, overloaded: boolean) => void)[] = [];

  constructor(private readonly node: NodeState) {}

  replace(vms: readonly VmState[]): void {
    this.vms = [...vms].filter((v) => v.node === this.node.name).sort((a, b) => (a.name < b.name ? -1 : 1));
    const demand = this.vms.reduce((sum, v) => sum + v.cpuDemand, 0);
    const over = demand > this.node.cores + 1e-9;
    if (over === this.overloaded) return;
    this.overloaded = over;
    for (const listener of this.listeners) listener(this.node.name, over);
  }

  onLoadChange(listener: (node: string, overloaded: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Only this node is visible from here: other names are ignored. */
  observe(time: Seconds): Observation {
    return { time, nodes: [this.node], vms: this.vms };
  }
}
