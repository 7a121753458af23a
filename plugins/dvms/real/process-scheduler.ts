import type { AgentHosting, ClusterRuntime, MigrationResult, Seconds, TimerHandle } from "../../../engine/cluster.ts";
import type { Scheduler, SchedulerReport } from "../../../engine/scheduler.ts";
import type { IspRecord } from "../isp-log.ts";
import { DvmsController } from "./controller.ts";

/** How often the agents get the testbed's latest measurements, besides every overload crossing. */
const FEED_PERIOD: Seconds = 1;

/**
 * DVMS on a testbed whose nodes can host agent processes: one agent per
 * node, started on the node (its namespace on the local testbed), talking
 * TCP to its peers. This process is their controller: it feeds them the
 * testbed's measurements and carries out the migrations they decide through
 * the cluster's `migrate` (a real `virsh migrate --live` on the local testbed).
 */
export class ProcessDvmsScheduler implements Scheduler {
  private controller: DvmsController | null = null;
  private launching: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private failure: string | null = null;
  private stopped = false;
  private feed: TimerHandle | null = null;
  /** Observations taken before the last migration ended may still show the VM at its source: not fed. */
  private lastMoveAt: Seconds = -Infinity;

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly hosting: AgentHosting,
    private readonly options: Readonly<Record<string, unknown>>,
  ) {
    cluster.onLoadChange(() => this.push());
  }

  start(): void {
    if (this.launching) return;
    const first = this.cluster.observe();
    const nodes = first.nodes.filter((n) => n.online);
    if (nodes.length === 0) {
      this.failure = "no online node to run them on";
      return;
    }
    this.launching = DvmsController.launch({
      nodes,
      vms: first.vms,
      options: this.options,
      host: this.hosting.controllerAddress,
      placeAgent: (node) => this.hosting.agent(node),
      execute: (request) =>
        new Promise<MigrationResult>((resolve) =>
          this.cluster.migrate(request.vm, request.to, (result) => {
            this.lastMoveAt = this.cluster.now();
            resolve(result);
          }),
        ),
    }).then(
      (controller) => {
        if (this.stopped) return void (this.closing = controller.close());
        this.controller = controller;
        this.tick();
      },
      (error: unknown) => void (this.failure = error instanceof Error ? error.message : String(error)),
    );
  }

  private tick(): void {
    this.push();
    this.feed = this.cluster.setTimer(FEED_PERIOD, () => this.tick());
  }

  private push(): void {
    const observation = this.cluster.observe();
    if (this.controller && !this.stopped && observation.time > this.lastMoveAt) this.controller.observed(observation.vms);
  }

  stop(): void {
    this.stopped = true;
    this.feed?.cancel();
    if (this.controller && !this.closing) this.closing = this.controller.close();
  }

  /** Resolves once every agent process has exited (after `stop`). */
  async closed(): Promise<void> {
    await this.launching;
    await this.closing;
  }

  /** Agent process ids, one per node (empty until they have started). */
  agentPids(): number[] {
    return this.controller?.agentPids() ?? [];
  }

  isps(): readonly IspRecord[] {
    return this.controller?.log.all() ?? [];
  }

  report(): SchedulerReport {
    if (this.failure) throw new Error(`dvms agents did not start: ${this.failure}`);
    const log = this.controller?.log;
    return {
      scheduler: "dvms",
      computeSeconds: log?.computeSeconds ?? 0,
      decisions: log?.all().length ?? 0,
      migrations: log?.migrations ?? [],
      tables: { isp: log?.rows() ?? [] },
    };
  }
}
