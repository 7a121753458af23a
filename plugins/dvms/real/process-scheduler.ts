import type { AgentHosting, ClusterRuntime } from "../../../engine/cluster.ts";
import type { MetricRow, Scheduler, SchedulerReport } from "../../../engine/scheduler.ts";
import type { StepContext } from "../../../engine/testbed.ts";
import type { IspRecord } from "../isp-log.ts";
import { DvmsController, type AgentStatus } from "./controller.ts";

/**
 * DVMS on a testbed whose nodes host agents (local, g5k, ssh): one agent
 * process per node, on the node, talking TCP to its peers, observing its
 * node through its own libvirtd and migrating by itself. This process only
 * runs their controller (start, events, stop) and starts no migration.
 */
export class ProcessDvmsScheduler implements Scheduler {
  private controller: DvmsController | null = null;
  private launching: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private failure: string | null = null;
  private stopped = false;

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly hosting: AgentHosting,
    private readonly options: Readonly<Record<string, unknown>>,
  ) {}

  start(step?: StepContext): void {
    if (this.launching) return;
    const first = this.cluster.observe();
    const nodes = first.nodes.filter((n) => n.online);
    if (nodes.length === 0) {
      this.failure = "no online node to run them on";
      return;
    }
    this.launching = DvmsController.launch({
      hosting: this.hosting,
      nodes,
      vms: first.vms.map(({ name, vcpus, memoryMiB }) => ({ name, vcpus, memoryMiB })),
      options: this.options,
      step,
    }).then(
      (controller) => {
        this.controller = controller;
        if (this.stopped) this.closing ??= controller.close();
      },
      (error: unknown) => void (this.failure = error instanceof Error ? error.message : String(error)),
    );
  }

  /** Stops the agents and resolves once each has exited (or was killed past the bound) and its log is kept. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.launching;
    if (this.controller) this.closing ??= this.controller.close();
    await this.closing;
  }

  /** Each node's agent: its process, namespace, exit, or why it never started. */
  agents(): AgentStatus[] {
    return this.controller?.agents() ?? [];
  }

  isps(): readonly IspRecord[] {
    return this.controller?.log.all() ?? [];
  }

  report(): SchedulerReport {
    if (this.failure) throw new Error(`dvms agents did not start: ${this.failure}`);
    const log = this.controller?.log;
    const agents: MetricRow[] = this.agents().map((a) => ({
      node: a.node, pid: a.pid, netns: a.netns, started: a.notStarted === null, notStarted: a.notStarted,
      exitCode: a.exit?.code ?? null, signal: a.exit?.signal ?? null, cleanExit: a.exit?.clean ?? null,
    }));
    return {
      scheduler: "dvms",
      computeSeconds: log?.computeSeconds ?? 0,
      decisions: log?.all().length ?? 0,
      migrations: log?.migrations ?? [],
      tables: { isp: log?.rows() ?? [], agents },
    };
  }
}
