import type { MigrationResult, Observation, Seconds } from "../cluster.ts";
import { pointKey, type Point, type Space } from "../dsl/space.ts";
import type { Context, ExecOptions, Json, Reservation, ScheduleOptions, SweepResult } from "../dsl/workflow.ts";
import { assignRoles, type RoleSpecs } from "../roles.ts";
import { actionName, type Action } from "../actions/types.ts";
import type { Monitoring, MonitorOptions, NetemReport, NetemRule } from "../services/index.ts";
import type { Host, Node, Vm } from "../hosts.ts";
import type { ActionReport, CommandSpec } from "../process/types.ts";
import { schedulers } from "../registry.ts";
import type { MetricRow, SchedulerReport } from "../scheduler.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, TestbedMetrics } from "../testbed.ts";

/** One step a run would take, with what it would ask the testbed for. */
export interface PlannedStep {
  /** Full step name, scope prefix included (`compare[scale=500,scheduler=dvms]/reserve`). */
  readonly step: string;
  /** Resources and settings: nodes, cores, memoryMiB, walltime, vms, for (seconds), argv... */
  readonly asks: Readonly<Record<string, Json>>;
}

export interface PlannedSweep {
  readonly sweep: string;
  readonly points: readonly string[];
  readonly skipped: readonly string[];
}

export interface Plan {
  readonly steps: PlannedStep[];
  readonly sweeps: PlannedSweep[];
  readonly scopes: string[];
}

const NEVER = new AbortController().signal;

/** Host-actions an action would run (a local process counts one). */
function leafHosts(a: Action): number {
  if (a.kind === "local") return 1;
  return "actions" in a ? a.actions.reduce((s, x) => s + leafHosts(x), 0) : a.hosts.length;
}

/**
 * A Context that records instead of acting: the workflow's own `run` walks
 * it as it would a real run, and each testbed step returns typed
 * placeholders of the right shape (nodes as asked, VMs placed as asked, an
 * idle scheduler report, metrics without events), so loops, sweeps and
 * scopes unfold as they would. Nothing is reserved or archived. `x.step`
 * bodies run (they compute on step outputs); their own logs go nowhere.
 */
export class PlanContext implements Context {
  private readonly counts = new Map<string, number>();
  private nodes: Node[] = [];
  private readonly placement = new Map<string, Vm>();

  constructor(
    readonly seed: number,
    readonly testbedKind: string,
    private readonly plan: Plan = { steps: [], sweeps: [], scopes: [] },
    private readonly prefix = "",
  ) {}

  get recorded(): Plan {
    return this.plan;
  }

  async step<T extends Json | void>(name: string, fn: (s: StepContext) => Promise<T>): Promise<T> {
    const step = this.record(name, {});
    return fn({ step, signal: NEVER, seed: this.seed, log: () => {}, progress: () => {}, journal: () => {}, keepOutput: () => {} });
  }

  async scope<T extends Json | void>(name: string, fn: (x: Context) => Promise<T>): Promise<T> {
    const scope = this.unique(name);
    this.plan.scopes.push(scope);
    return fn(new PlanContext(this.seed, this.testbedKind, this.plan, `${scope}/`));
  }

  async sweep<P extends Point, T extends Json | void>(name: string, space: Space<P>, fn: (point: P, x: Context) => Promise<T>): Promise<SweepResult<P, T>[]> {
    this.plan.sweeps.push({ sweep: `${this.prefix}${name}`, points: space.points.map(pointKey), skipped: space.skipped.map(pointKey) });
    const results: SweepResult<P, T>[] = [];
    for (const point of space.points) {
      results.push({ point, status: "done", output: await this.scope(`${name}[${pointKey(point)}]`, (x) => fn(point, x)) });
    }
    return results;
  }

  async reserve<const R extends RoleSpecs = Record<never, never>>(request: ReserveRequest & { readonly roles?: R }): Promise<Reservation<R>> {
    const step = this.record("reserve", { nodes: request.nodes, cores: request.cores ?? null, memoryMiB: request.memoryMiB ?? null, walltime: request.walltime ?? null, ...(request.where ? { where: { ...request.where } } : {}), ...(request.roles ? { roles: Object.keys(request.roles) } : {}), ...(request.seed === undefined ? {} : { seed: request.seed }) });
    this.nodes = Array.from({ length: request.nodes }, (_, i) => {
      const name = `${step}#node-${i}`;
      return { name, address: name, capacity: { cores: request.cores ?? 1, memoryMiB: request.memoryMiB ?? 1024 } };
    });
    this.placement.clear();
    // roles that cannot be filled are bad input, found before anything runs
    return Object.assign([...this.nodes], { roles: assignRoles(this.nodes, request.roles ?? {}) }) as unknown as Reservation<R>;
  }

  async run(action: Action): Promise<ActionReport> {
    const name = actionName(action);
    const hosts = leafHosts(action);
    this.record(name, { action: action.kind, hosts });
    return { name, started: hosts, ok: hosts, failed: 0, timedOut: 0, results: [] };
  }

  async monitor(hosts: readonly Host[], options: MonitorOptions = {}): Promise<Monitoring> {
    const table = options.table ?? "monitoring";
    this.record(`monitor:${table}`, { hosts: hosts.length, period: options.period ?? 1, vms: options.vms ?? false });
    const summary = { table, rows: [], samples: 0, overheadPct: 0, failed: [], vmTable: options.vms ? `${table}_vms` : null, vmRows: [] };
    return { hosts: hosts.map((h) => h.name), stop: async () => summary };
  }

  async netem(rules: readonly NetemRule[]): Promise<NetemReport> {
    this.record("netem", { rules: rules.map((r) => ({ hosts: r.between[0].length + r.between[1].length, delayMs: r.delayMs })) });
    return { hosts: 0, checks: [], method: "tc" };
  }

  async deploy(nodes: readonly Node[], options: DeployOptions = {}): Promise<readonly Node[]> {
    this.record("deploy", { nodes: nodes.length, ...(options.image ? { image: options.image } : {}) });
    return nodes;
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions): Promise<readonly Vm[]> {
    const count = nodes.length * options.perNode;
    const step = this.record("bootVms", { vms: count, perNode: options.perNode, vcpus: options.vcpus ?? 1, memoryMiB: options.memoryMiB ?? null });
    const vms = Array.from({ length: count }, (_, i): Vm => {
      const name = `${step}#vm-${i}`;
      const node = options.placement?.policy === "given" ? (options.placement.map[name] ?? nodes[0].name) : nodes[options.placement?.policy === "packed" ? Math.floor(i / options.perNode) : i % nodes.length].name;
      return { name, address: name, vcpus: options.vcpus ?? 1, memoryMiB: options.memoryMiB ?? 1024, node };
    });
    for (const vm of vms) this.placement.set(vm.name, vm);
    return vms;
  }

  async stress(vms: readonly Vm[], profile: StressProfile): Promise<void> {
    this.record("stress", { vms: vms.length, profile: profile.kind });
  }

  async schedule(scheduler: string, options: ScheduleOptions): Promise<SchedulerReport> {
    // an unknown scheduler is bad input, found before anything runs
    await schedulers.resolve(scheduler);
    this.record(`schedule:${scheduler}`, { for: options.for });
    return { scheduler, computeSeconds: 0, decisions: 0, migrations: [], tables: {} };
  }

  async migrate(vm: string, to: string): Promise<MigrationResult> {
    this.record("migrate", { vm, to });
    const placed = this.placement.get(vm);
    if (placed) this.placement.set(vm, { ...placed, node: to });
    return { vm, from: placed?.node ?? "", to, start: 0, end: 0, downtime: 0, rounds: 0, outcome: "ok" };
  }

  async exec(hosts: readonly Host[], command: CommandSpec, options: ExecOptions = {}): Promise<ActionReport> {
    const name = options.name ?? `exec:${command.argv[0] ?? ""}`;
    this.record(name, { hosts: hosts.length, argv: [...command.argv] });
    return { name, started: hosts.length, ok: hosts.length, failed: 0, timedOut: 0, results: [] };
  }

  async observe(): Promise<Observation> {
    this.record("observe", {});
    return {
      time: 0,
      nodes: this.nodes.map((n) => ({ name: n.name, cores: n.capacity.cores, memoryMiB: n.capacity.memoryMiB, online: true })),
      vms: [...this.placement.values()].map((v) => ({ name: v.name, node: v.node, vcpus: v.vcpus, memoryMiB: v.memoryMiB, cpuDemand: 0, migrating: false })),
    };
  }

  async collect(): Promise<TestbedMetrics> {
    this.record("collect", {});
    return { clock: "simulated", start: 0, duration: 0 as Seconds, violations: [], migrations: [], tables: {}, counters: {} };
  }

  async release(): Promise<void> {
    this.nodes = [];
    this.placement.clear();
  }

  metrics(_table: string, _rows: readonly MetricRow[]): void {}

  summary(_fields: Readonly<Record<string, Json>>): void {}

  log(_message: string): void {}

  private record(name: string, asks: Readonly<Record<string, Json>>): string {
    const step = this.unique(name);
    this.plan.steps.push({ step, asks });
    return step;
  }

  /** The same naming as a real run: a repeated name gets `#2`, `#3`... */
  private unique(name: string): string {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    return `${this.prefix}${name}${n > 1 ? `#${n}` : ""}`;
  }
}
