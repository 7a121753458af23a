import type { NodeState, Observation, Seconds, VmState } from "../../engine/cluster.ts";
import type { ViolationInterval } from "../../engine/testbed.ts";
import { parseDomstats, type DomainStats } from "./virsh.ts";

/** What the poller needs to know of the testbed's current state. */
export interface PollSource {
  now(): Seconds;
  nodes(): readonly NodeState[];
  /** VMs believed alive, with the node hosting them (the source while a migration is in flight). */
  vms(): readonly { name: string; node: string; vcpus: number; memoryMiB: number; migrating: boolean }[];
  /** `virsh domstats` output of one node, or null when it did not answer. */
  domstats(node: string): Promise<string | null>;
}

const RUNNING = 1;

/**
 * Per-VM CPU demand from libvirt's cumulated CPU time (cpu.time deltas over
 * wall time), polled on every node. Keeps the latest Observation for the
 * synchronous ClusterRuntime.observe(), raises overload crossings and records
 * violation intervals (node demand above its capacity).
 */
export class CpuPoller {
  private readonly last = new Map<string, { t: Seconds; cpuNs: number }>();
  private readonly demand = new Map<string, number>();
  private readonly overloaded = new Map<string, Seconds>();
  private readonly listeners: Array<(node: string, overloaded: boolean) => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  private running: Promise<void> | null = null;
  readonly violations: ViolationInterval[] = [];
  samples = 0;
  latest: Observation;

  constructor(private readonly source: PollSource, private readonly interval: Seconds) {
    this.latest = this.snapshot();
  }

  onLoadChange(listener: (node: string, overloaded: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads nodes and placement without polling (the latest demand figures stay): `latest` right after a deploy. */
  refresh(): void {
    this.latest = this.snapshot();
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.pollThenWait();
  }

  private pollThenWait(): void {
    void this.poll().finally(() => {
      if (this.active) this.timer = setTimeout(() => this.pollThenWait(), this.interval * 1000);
    });
  }

  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One poll of every node (concurrent polls coalesce). */
  poll(): Promise<void> {
    this.running ??= this.pollNodes().finally(() => (this.running = null));
    return this.running;
  }

  private async pollNodes(): Promise<void> {
    const nodes = this.source.nodes();
    const outputs = await Promise.all(nodes.map((n) => this.source.domstats(n.name)));
    const t = this.source.now();
    const running = new Map<string, DomainStats>();
    for (const text of outputs) {
      for (const d of parseDomstats(text ?? "")) if (d.state === RUNNING) running.set(d.name, d);
    }
    for (const vm of this.source.vms()) {
      const stats = running.get(vm.name);
      if (!stats) continue; // paused at the end of a migration, or gone: keep the last figure
      const prev = this.last.get(vm.name);
      // A migrated guest restarts its counter on the new node: a drop means no usable delta this round.
      if (prev && stats.cpuTimeNs >= prev.cpuNs && t > prev.t) {
        const cores = (stats.cpuTimeNs - prev.cpuNs) / 1e9 / (t - prev.t);
        this.demand.set(vm.name, Math.min(vm.vcpus, Math.max(0, cores)));
      }
      this.last.set(vm.name, { t, cpuNs: stats.cpuTimeNs });
    }
    this.samples++;
    this.latest = this.snapshot();
    this.checkOverloads();
  }

  private snapshot(): Observation {
    const vms: VmState[] = this.source
      .vms()
      .map((v) => ({ name: v.name, node: v.node, vcpus: v.vcpus, memoryMiB: v.memoryMiB, cpuDemand: this.demand.get(v.name) ?? 0, migrating: v.migrating }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const nodes = [...this.source.nodes()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { time: this.source.now(), nodes, vms };
  }

  private checkOverloads(): void {
    const t = this.latest.time;
    for (const node of this.latest.nodes) {
      const load = this.latest.vms.filter((v) => v.node === node.name).reduce((s, v) => s + v.cpuDemand, 0);
      const over = node.online && load > node.cores;
      const since = this.overloaded.get(node.name);
      if (over && since === undefined) {
        this.overloaded.set(node.name, t);
        this.listeners.forEach((l) => l(node.name, true));
      } else if (!over && since !== undefined) {
        this.overloaded.delete(node.name);
        this.violations.push({ node: node.name, start: since, end: t });
        this.listeners.forEach((l) => l(node.name, false));
      }
    }
  }

  /** Violation intervals, the open ones ending with null. */
  allViolations(): ViolationInterval[] {
    const open = [...this.overloaded].map(([node, start]) => ({ node, start, end: null }));
    return [...this.violations, ...open].sort((a, b) => a.start - b.start || (a.node < b.node ? -1 : 1));
  }
}
