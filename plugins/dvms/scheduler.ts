import type { ClusterRuntime } from "../../engine/cluster.ts";
import type { Scheduler, SchedulerReport } from "../../engine/scheduler.ts";
import { Agent, type PublicState } from "./agent.ts";
import { IspLog, type IspRecord } from "./isp-log.ts";
import type { DvmsOptions } from "./options.ts";
import { makeOverlay } from "./overlays.ts";
import type { PartitionSolver } from "./solver.ts";

/**
 * All agents of one datacenter in one process (the simulated testbed): one
 * Agent per node on the runtime's network, overload events routed from the
 * runtime's load listener to the node's agent.
 */
export class DvmsScheduler implements Scheduler {
  private readonly agents = new Map<string, Agent>();
  private readonly log = new IspLog();
  private running = false;

  constructor(cluster: ClusterRuntime, options: DvmsOptions, solve: PartitionSolver) {
    // Names only: observing the datacenter would build a state per VM (8,000,000 at 1M PMs).
    const nodes = cluster.nodeNames?.() ?? cluster.observe().nodes.map((n) => n.name);
    const overlay = makeOverlay(options, nodes, (a, b) => cluster.network.latency(a, b));
    for (const self of nodes) {
      const agent = new Agent({ self, runtime: cluster, overlay, solve, events: this.log, options });
      agent.attach();
      this.agents.set(self, agent);
    }
    cluster.onLoadChange((node, overloaded) => {
      if (this.running) this.agents.get(node)?.loadChanged(overloaded);
    });
  }

  start(): void {
    this.running = true;
    for (const agent of this.agents.values()) agent.start();
  }

  stop(): void {
    this.running = false;
    for (const agent of this.agents.values()) agent.stop();
  }

  report(): SchedulerReport {
    return {
      scheduler: "dvms",
      computeSeconds: this.log.computeSeconds,
      decisions: this.log.all().length,
      migrations: this.log.migrations,
      tables: { isp: this.log.rows() },
    };
  }

  /** Every ISP so far, with its end once known. */
  isps(): readonly IspRecord[] {
    return this.log.all();
  }

  /** Each agent's partition state, for invariant checks. */
  states(): ReadonlyMap<string, PublicState> {
    return new Map([...this.agents].map(([n, a]) => [n, a.state()]));
  }
}
