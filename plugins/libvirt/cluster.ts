import type { AgentHosting, AgentNetwork, ClusterRuntime, MigrationResult, Observation, Seconds, TimerHandle } from "../../engine/cluster.ts";
import type { CpuPoller } from "./poller.ts";

/** Measured one-way latency between two namespaces on one bridge (veth + bridge), in seconds. */
const NAMESPACE_LATENCY: Seconds = 0.00005;

/**
 * Messages of node agents that live in this process (schedulers that do not
 * use `agentHosting`), delivered on the next macrotask. DVMS runs its agents
 * on the nodes themselves instead, talking TCP (`agentHosting`, docs/dvms-agents.md).
 */
export class InProcessNetwork implements AgentNetwork {
  private readonly handlers = new Map<string, (from: string, message: unknown) => void>();

  constructor(private readonly online: (node: string) => boolean) {}

  send(from: string, to: string, message: unknown): void {
    // Structured clone: agents must not share objects, as they would not over TCP.
    const copy = structuredClone(message);
    setTimeout(() => {
      const handler = this.handlers.get(to);
      if (handler && this.online(to)) handler(from, copy);
    }, 0);
  }

  listen(node: string, handler: (from: string, message: unknown) => void): void {
    this.handlers.set(node, handler);
  }

  latency(): Seconds {
    return NAMESPACE_LATENCY;
  }
}

export interface LocalClusterEnv {
  now(): Seconds;
  readonly poller: CpuPoller;
  /** Never rejects: bad requests come back as "rejected" results. */
  migrate(vm: string, to: string): Promise<MigrationResult>;
  online(node: string): boolean;
  /** Agent processes in the nodes' namespaces; undefined before the nodes are deployed. */
  agentHosting(): AgentHosting | undefined;
}

/** The scheduler-facing runtime on wall-clock time: real timers, libvirt measurements, real migrations. */
export class LocalCluster implements ClusterRuntime {
  readonly clock = "wall" as const;
  readonly network: AgentNetwork;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly env: LocalClusterEnv) {
    this.network = new InProcessNetwork((n) => env.online(n));
  }

  get agentHosting(): AgentHosting | undefined {
    return this.env.agentHosting();
  }

  now(): Seconds {
    return this.env.now();
  }

  setTimer(delay: Seconds, fire: () => void): TimerHandle {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fire();
    }, Math.max(0, delay) * 1000);
    this.timers.add(t);
    return { cancel: () => { clearTimeout(t); this.timers.delete(t); } };
  }

  observe(nodes?: readonly string[]): Observation {
    const o = this.env.poller.latest;
    if (!nodes) return o;
    const wanted = new Set(nodes);
    return { time: o.time, nodes: o.nodes.filter((n) => wanted.has(n.name)), vms: o.vms.filter((v) => wanted.has(v.node)) };
  }

  onLoadChange(listener: (node: string, overloaded: boolean) => void): void {
    this.env.poller.onLoadChange(listener);
  }

  migrate(vm: string, to: string, done: (result: MigrationResult) => void): void {
    void this.env.migrate(vm, to).then(done);
  }

  computeDelay(): Seconds {
    return 0;
  }

  /** Cancels pending scheduler timers (release). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
