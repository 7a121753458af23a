import { setTimeout as sleep } from "node:timers/promises";
import type { MigrationResult, Observation, Seconds } from "../cluster.ts";
import { pointKey, type Point, type Space } from "../dsl/space.ts";
import type { Context, ExecOptions, Json, Reservation, RunOptions, ScheduleOptions, SweepResult } from "../dsl/workflow.ts";
import type { Host, Node, Vm } from "../hosts.ts";
import type { ActionReport, CommandSpec, HostResult } from "../process/types.ts";
import { assignRoles, type RoleSpecs } from "../roles.ts";
import { actionName, remote, type Action } from "../actions/types.ts";
import { runAction, type ActionEnv } from "../actions/run.ts";
import { Runners } from "../actions/runners.ts";
import { applyNetem, startMonitoring, type Monitoring, type MonitorOptions, type Netem, type NetemOptions, type NetemReport, type NetemRule } from "../services/index.ts";
import { schedulers } from "../registry.ts";
import type { MetricRow, SchedulerReport } from "../scheduler.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedMetrics } from "../testbed.ts";
import { InterruptedError, UsageError } from "../errors.ts";
import type { RunArchive } from "../archive/run-archive.ts";
import type { ProgressRenderer } from "../progress/types.ts";
import { checkpointFile } from "./checkpoints.ts";
import type { SweepState } from "./sweep-state.ts";

/** What every scope of one run shares. */
export interface RunServices {
  readonly seed: number;
  /** Seed of the run's random stream `stream`, recorded in the manifest (engine/random/streams.ts). */
  streamSeed(stream: string): number;
  readonly testbedKind: string;
  readonly archive: RunArchive;
  readonly progress: ProgressRenderer;
  readonly signal: AbortSignal;
  /** Checkpoints completed by an earlier attempt (resume), keyed `step:<name>` / `scope:<name>`. */
  readonly previous: ReadonlyMap<string, unknown>;
  /** Creates a testbed instance seeded with `seed` (default: the run seed); the run releases every instance it made. */
  newTestbed(seed?: number): Testbed;
  /** Node names reserved during the run (for the manifest). */
  noteHosts(names: readonly string[]): void;
  /** A failure that does not stop the workflow (a sweep point) but fails the run. */
  noteFailure(message: string): void;
  sweepState(name: string): SweepState;
  /** Watches a reservation's walltime (warn, extend, stop in time); returns the stopper. */
  watchWalltime(testbed: Testbed, walltime: Seconds, extensions: number): () => void;
}

/** How a step's output is recorded: in full (reused on resume) or summarized (testbed steps rerun on resume). */
interface Recording<T> {
  readonly checkpoint: boolean;
  record(output: T): unknown;
}

const inFull: Recording<unknown> = { checkpoint: true, record: (output) => output };
const keep: Recording<unknown> = { checkpoint: false, record: (output) => output };
const summarized = <T>(record: (output: T) => unknown): Recording<T> => ({ checkpoint: false, record });
const hostNames = summarized((hosts: readonly Node[]) => ({ count: hosts.length, names: hosts.map((h) => h.name) }));
const actionSummary = summarized((r: ActionReport) => ({ started: r.started, ok: r.ok, failed: r.failed, timedOut: r.timedOut, excluded: [...(r.excluded ?? [])] }));

/** A service a scope started: stopped before its testbed is released; `completed` false when the work it watched was cut short (a failure, an interrupt). */
interface Running {
  readonly name: string;
  stop(completed: boolean): Promise<void>;
}

export type MetricsBatch = readonly [table: string, rows: readonly MetricRow[]];

/**
 * Where a context's metrics go: the run's archive for the root context,
 * a buffer for a scope, committed with the scope's checkpoint.
 */
export interface MetricsTarget {
  add(table: string, rows: readonly MetricRow[]): void;
  commit(scope: string, batches: readonly MetricsBatch[]): void;
  /** The rows of a service (monitoring) the workflow saw through, keyed by its step. */
  service(step: string, batches: readonly MetricsBatch[]): void;
}

function buffer(into: MetricsBatch[]): MetricsTarget {
  return { add: (table, rows) => into.push([table, rows]), commit: (_scope, batches) => into.push(...batches), service: (_step, batches) => into.push(...batches) };
}

export class RunContext implements Context {
  private testbed: Testbed | null = null;
  private stopWatching: () => void = () => {};
  private readonly stepCounts = new Map<string, number>();
  /** The testbed's latest view of each host (reserved, then deployed, booted), by name: actions resolve their targets here. */
  private readonly known = new Map<string, Host>();
  /**
   * Hosts learned but not yet in `known`, folded in (in order) when a host is
   * next resolved: the sim's 8,000,000 booted VMs cost no map entry unless a
   * later step names one.
   */
  private unlearned: (readonly Host[])[] = [];
  private runnerSet: Runners | null = null;
  /** The reservations' role arrays: they follow the hosts' latest view (deployed addresses) in place. */
  private roleArrays: Host[][] = [];
  private services: Running[] = [];

  constructor(
    private readonly shared: RunServices,
    private readonly prefix: string,
    private readonly sink: MetricsTarget,
  ) {}

  get seed(): number {
    return this.shared.seed;
  }

  get testbedKind(): string {
    return this.shared.testbedKind;
  }

  step<T extends Json | void>(name: string, fn: (s: StepContext) => Promise<T>): Promise<T> {
    return this.runStep(name, fn, inFull as Recording<T>);
  }

  async scope<T extends Json | void>(name: string, fn: (x: Context) => Promise<T>): Promise<T> {
    const scope = this.uniqueName(name);
    const { archive, previous } = this.shared;
    if (previous.has(`scope:${scope}`)) {
      archive.journal({ event: "scope-skipped", scope, reason: "completed by an earlier attempt" });
      return previous.get(`scope:${scope}`) as T;
    }
    this.throwIfAborted();
    const buffered: MetricsBatch[] = [];
    const child = new RunContext(this.shared, `${scope}/`, buffer(buffered));
    const { progress } = this.shared;
    const started = performance.now();
    archive.journal({ event: "scope-start", scope });
    progress.scopeStarted(scope);
    try {
      const output = await fn(child);
      await child.release();
      // a scope's metrics land together with its checkpoint, so a resumed run never writes them twice
      this.sink.commit(scope, buffered);
      archive.saveCheckpoint(checkpointFile("scope", scope), output);
      archive.journal({ event: "scope-end", scope, status: "ok", checkpoint: true });
      progress.scopeEnded(scope, "ok", (performance.now() - started) / 1000);
      return output;
    } catch (error) {
      // the scope's own error is the one to report, whatever releasing says
      await child.end(false).catch((releaseError: unknown) => archive.journal({ event: "release-failed", scope, error: message(releaseError) }));
      const status = this.shared.signal.aborted ? "interrupted" : "failed";
      archive.journal({ event: "scope-end", scope, status, error: message(error) });
      progress.scopeEnded(scope, status, (performance.now() - started) / 1000, message(error));
      throw error;
    }
  }

  async sweep<P extends Point, T extends Json | void>(name: string, space: Space<P>, fn: (point: P, x: Context) => Promise<T>): Promise<SweepResult<P, T>[]> {
    const sweep = `${this.prefix}${name}`;
    const state = this.shared.sweepState(sweep);
    const keyed = space.points.map((point) => ({ point, key: pointKey(point) }));
    state.declare(keyed.map((p) => p.key), space.skipped.map(pointKey));
    const { archive, progress } = this.shared;
    const shown = (): void => {
      const counts = state.counts();
      progress.sweepProgress(sweep, { done: counts.done, failed: counts.failed, total: keyed.length });
    };
    shown();
    // First pass: run every free point (a point failed by an earlier attempt is
    // retried). Points another live process holds are left to it, then waited
    // for; a dead holder's claim is taken over.
    const held = [];
    for (const item of keyed) {
      if (state.state(item.key) === "done") continue;
      if (state.claim(item.key)) {
        await this.runPoint(sweep, state, item.point, item.key, fn);
        shown();
      } else held.push(item);
    }
    for (const { point, key } of held) {
      while (state.state(key) === "in-progress" || (state.state(key) === "todo" && !state.claim(key))) {
        await sleep(200, undefined, { signal: this.shared.signal }).catch(() => this.throwIfAborted());
      }
      if (state.holds(key)) await this.runPoint(sweep, state, point, key, fn);
      shown();
    }
    const results = keyed.map(({ point, key }): SweepResult<P, T> => {
      const error = state.failure(key);
      return error === null ? { point, status: "done", output: state.output(key) as T } : { point, status: "failed", error };
    });
    const failed = results.filter((r) => r.status === "failed").length;
    archive.journal({ event: "sweep-end", sweep, ...state.counts() });
    if (failed > 0) this.shared.noteFailure(`${failed} of ${keyed.length} points of sweep '${sweep}' failed`);
    return results;
  }

  private async runPoint<P extends Point, T extends Json | void>(sweep: string, state: SweepState, point: P, key: string, fn: (point: P, x: Context) => Promise<T>): Promise<void> {
    const { archive } = this.shared;
    archive.journal({ event: "point-start", sweep, point: key });
    // the process's CPU while the point ran: what it costs on an idle core, whatever the load (bench:headline)
    const cpuBefore = process.cpuUsage();
    try {
      const output = await this.scope(`${sweep.slice(this.prefix.length)}[${key}]`, (x) => fn(point, x));
      state.done(key, output);
      const cpu = process.cpuUsage(cpuBefore);
      archive.journal({ event: "point-end", sweep, point: key, status: "done", cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)) });
    } catch (error) {
      if (this.shared.signal.aborted) {
        state.unclaim(key); // interrupted, not failed: the point stays to do
        throw error;
      }
      state.fail(key, message(error));
      archive.journal({ event: "point-end", sweep, point: key, status: "failed", error: message(error) });
    }
  }

  async reserve<const R extends RoleSpecs = Record<never, never>>(request: ReserveRequest & { readonly roles?: R }): Promise<Reservation<R>> {
    const nodes = await this.runStep(
      "reserve",
      async (s) => {
        await this.release();
        if (request.seed !== undefined && !Number.isSafeInteger(request.seed)) throw new UsageError(`reserve: seed must be an integer, got ${request.seed}`);
        const testbed = this.shared.newTestbed(request.seed);
        this.testbed = testbed;
        const nodes = await testbed.reserve(request, s);
        this.shared.noteHosts(nodes.map((n) => n.name));
        if (request.walltime !== undefined && testbed.walltimeEnd?.() != null) {
          this.stopWatching = this.shared.watchWalltime(testbed, request.walltime, request.extensions ?? 0);
        }
        const roles = assignRoles(nodes, request.roles ?? {});
        for (const [role, hosts] of Object.entries(roles) as [string, readonly Host[]][]) s.journal({ event: "role", role, hosts: hosts.map((h) => h.name) });
        this.roleArrays = Object.values(roles) as unknown as Host[][];
        return Object.assign([...nodes], { roles });
      },
      hostNames,
    );
    this.learn(nodes);
    return nodes as unknown as Reservation<R>;
  }

  async deploy(nodes: readonly Node[], options: DeployOptions = {}): Promise<readonly Node[]> {
    return this.learn(await this.runStep("deploy", (s) => this.reserved().deploy(nodes.map((n) => this.resolve(n) as Node), options, s), hostNames));
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions): Promise<readonly Vm[]> {
    return this.learn(await this.runStep("bootVms", (s) => this.reserved().bootVms(nodes.map((n) => this.resolve(n) as Node), options, s), summarized((vms: readonly Vm[]) => ({ count: vms.length }))));
  }

  run(action: Action, options: RunOptions = {}): Promise<ActionReport> {
    return this.runStep(actionName(action), async (s) => {
      const r = await runAction(action, this.actionEnv(s));
      if (options.keepOutput ?? true) keepOutputs(s, r.results);
      return r;
    }, actionSummary);
  }

  async monitor(hosts: readonly Host[], options: MonitorOptions = {}): Promise<Monitoring> {
    let step = "";
    const monitoring = await this.runStep(`monitor:${options.table ?? "monitoring"}`, async (s) => {
      step = s.step;
      const testbed = this.reserved();
      // hosts that run processes are sampled from their /proc; the testbed's own view gives VMs, and nodes on sim
      const runner = testbed.processRunner ? this.runners().direct : undefined;
      const cluster = runner === undefined || options.vms ? testbed.cluster() : undefined;
      // only SSH needs the hosts' latest view (addresses, keys); the testbed's own view goes by name
      const m = startMonitoring({ runner, cluster }, runner ? hosts.map((h) => this.resolve(h)) : hosts, options);
      s.log(`sampling ${hosts.length} hosts${options.vms ? " and their VMs" : ""} every ${options.period ?? 1} s of ${testbed.clock} time`);
      return m;
    }, summarized((m: Monitoring) => ({ hosts: m.hosts.length })));
    let done = false;
    const stop = async (completed = true) => {
      const summary = await monitoring.stop();
      if (done) return summary;
      done = true;
      this.services = this.services.filter((x) => x !== running);
      const batches: MetricsBatch[] = [[summary.table, summary.rows], ...(summary.vmTable === null ? [] : [[summary.vmTable, summary.vmRows] as const])];
      // Rows of a monitoring cut short go to `<table>_cut`: kept, but never mixed with those of the
      // attempt that sees it through (a resumed run reruns the monitored steps: docs/archive-format.md).
      if (completed) this.sink.service(step, batches);
      else for (const [table, rows] of batches) this.shared.archive.appendMetrics(`${table}_cut`, rows);
      this.shared.archive.journal({ event: "monitoring-stopped", scope: this.prefix, completed, table: summary.table, samples: summary.samples, vmTable: summary.vmTable, vmSamples: summary.vmRows.length, overheadPct: summary.overheadPct, failed: [...summary.failed] });
      return summary;
    };
    const running: Running = { name: "monitoring", stop: async (completed) => void (await stop(completed)) };
    this.services.push(running);
    return { hosts: monitoring.hosts, stop: () => stop() };
  }

  async netem(rules: readonly NetemRule[], options: NetemOptions = {}): Promise<NetemReport> {
    const resolved = rules.map((r) => ({ ...r, between: [r.between[0].map((h) => this.resolve(h)), r.between[1].map((h) => this.resolve(h))] as const }));
    const applied = await this.runStep("netem", async (s) => {
      const runners = this.runners();
      const netem = await applyNetem(runners.direct, resolved, options, s.signal, runners.support.netemDelayerArgv);
      for (const c of netem.report.checks) s.journal({ event: "netem-rtt", ...c });
      return netem;
    }, summarized((n: Netem) => n.report));
    this.services.push({
      name: "netem",
      stop: async () => {
        await applied.remove();
        this.shared.archive.journal({ event: "netem-removed", scope: this.prefix, hosts: applied.report.hosts });
      },
    });
    return applied.report;
  }

  stress(vms: readonly Vm[], profile: StressProfile): Promise<void> {
    return this.runStep("stress", (s) => this.reserved().stress(vms, profile, s), summarized(() => ({ vms: vms.length, profile })));
  }

  schedule(scheduler: string, options: ScheduleOptions): Promise<SchedulerReport> {
    return this.runStep(
      `schedule:${scheduler}`,
      async (s) => {
        const testbed = this.reserved();
        const plugin = await schedulers.resolve(scheduler);
        await plugin.prepare?.(options.options as never);
        const running = plugin.create(testbed.cluster(), options.options as never, { streamSeed: (stream) => this.shared.streamSeed(stream) });
        running.start(s);
        // a wall-clock testbed waits without counting: the engine shows the time passing
        const started = performance.now();
        const ticker = testbed.clock === "wall" ? setInterval(() => s.progress({ done: Math.min(options.for, (performance.now() - started) / 1000), total: options.for, unit: "s" }), 1000) : null;
        try {
          await testbed.advance(options.for, s);
        } finally {
          if (ticker) clearInterval(ticker);
          await running.stop();
        }
        return running.report();
      },
      summarized((r: SchedulerReport) => ({ scheduler: r.scheduler, decisions: r.decisions, computeSeconds: r.computeSeconds, migrations: r.migrations.length })),
    );
  }

  migrate(vm: string, to: string): Promise<MigrationResult> {
    return this.runStep("migrate", (s) => this.reserved().migrate(vm, to, s), keep as Recording<MigrationResult>);
  }

  exec(hosts: readonly Host[], command: CommandSpec, options: ExecOptions = {}): Promise<ActionReport> {
    return this.runStep(options.name ?? `exec:${command.argv[0] ?? ""}`, async (s) => {
      const action = remote(hosts, command, { name: options.name, policy: options.policy });
      const r = await runAction(action, this.actionEnv(s), options.spares ?? []);
      if (options.keepOutput ?? true) keepOutputs(s, r.results);
      return r;
    }, actionSummary);
  }

  observe(): Promise<Observation> {
    return this.runStep("observe", () => this.reserved().observe(), summarized((o: Observation) => ({ time: o.time, nodes: o.nodes.length, vms: o.vms.length })));
  }

  collect(): Promise<TestbedMetrics> {
    return this.runStep(
      "collect",
      (s) => this.reserved().collect(s),
      summarized((m: TestbedMetrics) => ({ duration: m.duration, violations: m.violations.length, migrations: m.migrations.length, counters: m.counters })),
    );
  }

  release(): Promise<void> {
    return this.end(true);
  }

  /** Releases the scope's services and testbed; `completed` false when the work ends cut short (a failure, an interrupt). */
  async end(completed: boolean): Promise<void> {
    // services first: netem comes off the hosts, samplers stop and their rows land
    const services = this.services;
    this.services = [];
    const failures: unknown[] = [];
    for (const service of services.reverse()) {
      await service.stop(completed).catch((error: unknown) => {
        failures.push(error);
        this.shared.archive.journal({ event: "service-stop-failed", scope: this.prefix, service: service.name, error: message(error) });
      });
    }
    this.runnerSet = null;
    this.known.clear();
    this.unlearned = [];
    this.roleArrays = [];
    const testbed = this.testbed;
    this.testbed = null;
    this.stopWatching();
    this.stopWatching = () => {};
    if (testbed) await testbed.release();
    if (failures.length > 0) throw failures[0];
  }

  private actionEnv(step: StepContext): ActionEnv {
    return { runners: this.runners(), step, resolve: (h) => this.resolve(h) };
  }

  /** The reserved testbed's runners: pooled SSH, and the tree and taktuk where its hosts offer them. */
  private runners(): Runners {
    const testbed = this.reserved();
    if (!testbed.processRunner) throw new UsageError(`the ${testbed.kind} testbed runs no processes on its hosts`);
    this.runnerSet ??= new Runners(testbed.processRunner(), testbed.fanout?.() ?? {}, testbed.kind);
    return this.runnerSet;
  }

  private resolve(host: Host): Host {
    if (this.unlearned.length > 0) {
      for (const hosts of this.unlearned) for (const h of hosts) this.known.set(h.name, h);
      this.unlearned = [];
    }
    return this.known.get(host.name) ?? host;
  }

  private learn<H extends Host>(hosts: readonly H[]): readonly H[] {
    this.unlearned.push(hosts);
    for (const role of this.roleArrays) role.forEach((h, i) => (role[i] = this.resolve(h)));
    return hosts;
  }

  metrics(table: string, rows: readonly MetricRow[]): void {
    this.sink.add(table, rows);
  }

  summary(fields: Readonly<Record<string, Json>>): void {
    this.shared.archive.mergeSummary(fields);
  }

  log(text: string): void {
    const where = this.prefix.replace(/\/$/, "") || "run";
    this.shared.archive.journal({ event: "log", scope: this.prefix, message: text });
    this.shared.progress.stepLog(where, text);
  }

  private reserved(): Testbed {
    if (!this.testbed) throw new Error(`no testbed reserved in ${this.prefix ? `scope '${this.prefix}'` : "this run"}: call reserve first`);
    return this.testbed;
  }

  private throwIfAborted(): void {
    const { signal } = this.shared;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError("signal");
  }

  /** Unique name within the scope: a repeated name gets `#2`, `#3`... (the same on every attempt). */
  private uniqueName(name: string): string {
    const n = (this.stepCounts.get(name) ?? 0) + 1;
    this.stepCounts.set(name, n);
    return `${this.prefix}${name}${n > 1 ? `#${n}` : ""}`;
  }

  private async runStep<T>(name: string, fn: (s: StepContext) => Promise<T>, recording: Recording<T>): Promise<T> {
    const { archive, progress, signal, previous } = this.shared;
    this.throwIfAborted();
    const step = this.uniqueName(name);
    if (recording.checkpoint && previous.has(`step:${step}`)) {
      archive.journal({ event: "step-skipped", step, reason: "completed by an earlier attempt" });
      return previous.get(`step:${step}`) as T;
    }
    const started = performance.now();
    archive.journal({ event: "step-start", step });
    progress.stepStarted(step);
    const ctx: StepContext = {
      step,
      signal,
      seed: this.shared.seed,
      log: (text) => {
        archive.journal({ event: "log", step, message: text });
        progress.stepLog(step, text);
      },
      progress: (counters) => progress.stepProgress(step, counters),
      journal: (event) => archive.journal({ ...event, step }),
      keepOutput: (host, stdout, stderr) => archive.keepOutput(host, step, stdout, stderr),
    };
    try {
      const output = await fn(ctx);
      const seconds = (performance.now() - started) / 1000;
      const record = recording.record(output);
      archive.saveCheckpoint(checkpointFile("step", step), record);
      archive.journal({ event: "step-end", step, status: "ok", seconds, checkpoint: recording.checkpoint, output: summarize(record) });
      progress.stepEnded(step, "ok", seconds);
      return output;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const status = signal.aborted ? "interrupted" : "failed";
      archive.journal({ event: "step-end", step, status, seconds, error: message(error) });
      progress.stepEnded(step, status, seconds, message(error));
      throw error;
    }
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Each host's outputs of one step, in the order its actions ran. */
function keepOutputs(s: StepContext, results: readonly HostResult[]): void {
  const byHost = new Map<string, { out: string; err: string }>();
  for (const r of results) {
    const o = byHost.get(r.host) ?? { out: "", err: "" };
    byHost.set(r.host, { out: o.out + r.stdout, err: o.err + r.stderr });
  }
  for (const [host, o] of byHost) s.keepOutput(host, o.out, o.err);
}

/** Keeps journal lines short: big outputs are in `steps/<step>.json`. */
function summarize(record: unknown): unknown {
  const text = JSON.stringify(record ?? null);
  return text.length <= 2048 ? record : { bytes: text.length, file: "steps/" };
}
