import { setTimeout as sleep } from "node:timers/promises";
import type { MigrationResult, Observation, Seconds } from "../cluster.ts";
import { pointKey, type Point, type Space } from "../dsl/space.ts";
import type { Context, ExecOptions, Json, ScheduleOptions, SweepResult } from "../dsl/workflow.ts";
import type { Host, Node, Vm } from "../hosts.ts";
import { underPolicy } from "../policy.ts";
import { report } from "../process/result.ts";
import type { ActionReport, CommandSpec, HostResult } from "../process/types.ts";
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
  readonly testbedKind: string;
  readonly archive: RunArchive;
  readonly progress: ProgressRenderer;
  readonly signal: AbortSignal;
  /** Checkpoints completed by an earlier attempt (resume), keyed `step:<name>` / `scope:<name>`. */
  readonly previous: ReadonlyMap<string, unknown>;
  /** Creates a testbed instance; the run releases every instance it made. */
  newTestbed(): Testbed;
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

export type MetricsBatch = readonly [table: string, rows: readonly MetricRow[]];

/**
 * Where a context's metrics go: the run's archive for the root context,
 * a buffer for a scope, committed with the scope's checkpoint.
 */
export interface MetricsTarget {
  add(table: string, rows: readonly MetricRow[]): void;
  commit(scope: string, batches: readonly MetricsBatch[]): void;
}

function buffer(into: MetricsBatch[]): MetricsTarget {
  return { add: (table, rows) => into.push([table, rows]), commit: (_scope, batches) => into.push(...batches) };
}

export class RunContext implements Context {
  private testbed: Testbed | null = null;
  private stopWatching: () => void = () => {};
  private readonly stepCounts = new Map<string, number>();

  constructor(
    private readonly run: RunServices,
    private readonly prefix: string,
    private readonly sink: MetricsTarget,
  ) {}

  get seed(): number {
    return this.run.seed;
  }

  get testbedKind(): string {
    return this.run.testbedKind;
  }

  step<T extends Json | void>(name: string, fn: (s: StepContext) => Promise<T>): Promise<T> {
    return this.runStep(name, fn, inFull as Recording<T>);
  }

  async scope<T extends Json | void>(name: string, fn: (x: Context) => Promise<T>): Promise<T> {
    const scope = this.uniqueName(name);
    const { archive, previous } = this.run;
    if (previous.has(`scope:${scope}`)) {
      archive.journal({ event: "scope-skipped", scope, reason: "completed by an earlier attempt" });
      return previous.get(`scope:${scope}`) as T;
    }
    this.throwIfAborted();
    const buffered: MetricsBatch[] = [];
    const child = new RunContext(this.run, `${scope}/`, buffer(buffered));
    const { progress } = this.run;
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
      await child.release().catch((releaseError: unknown) => archive.journal({ event: "release-failed", scope, error: message(releaseError) }));
      const status = this.run.signal.aborted ? "interrupted" : "failed";
      archive.journal({ event: "scope-end", scope, status, error: message(error) });
      progress.scopeEnded(scope, status, (performance.now() - started) / 1000, message(error));
      throw error;
    }
  }

  async sweep<P extends Point, T extends Json | void>(name: string, space: Space<P>, fn: (point: P, x: Context) => Promise<T>): Promise<SweepResult<P, T>[]> {
    const sweep = `${this.prefix}${name}`;
    const state = this.run.sweepState(sweep);
    const keyed = space.points.map((point) => ({ point, key: pointKey(point) }));
    state.declare(keyed.map((p) => p.key), space.skipped.map(pointKey));
    const { archive } = this.run;
    // First pass: run every free point (a point failed by an earlier attempt is
    // retried). Points another live process holds are left to it, then waited
    // for; a dead holder's claim is taken over.
    const held = [];
    for (const item of keyed) {
      if (state.state(item.key) === "done") continue;
      if (state.claim(item.key)) await this.runPoint(sweep, state, item.point, item.key, fn);
      else held.push(item);
    }
    for (const { point, key } of held) {
      while (state.state(key) === "in-progress" || (state.state(key) === "todo" && !state.claim(key))) {
        await sleep(200, undefined, { signal: this.run.signal }).catch(() => this.throwIfAborted());
      }
      if (state.holds(key)) await this.runPoint(sweep, state, point, key, fn);
    }
    const results = keyed.map(({ point, key }): SweepResult<P, T> => {
      const error = state.failure(key);
      return error === null ? { point, status: "done", output: state.output(key) as T } : { point, status: "failed", error };
    });
    const failed = results.filter((r) => r.status === "failed").length;
    archive.journal({ event: "sweep-end", sweep, ...state.counts() });
    if (failed > 0) this.run.noteFailure(`${failed} of ${keyed.length} points of sweep '${sweep}' failed`);
    return results;
  }

  private async runPoint<P extends Point, T extends Json | void>(sweep: string, state: SweepState, point: P, key: string, fn: (point: P, x: Context) => Promise<T>): Promise<void> {
    const { archive } = this.run;
    archive.journal({ event: "point-start", sweep, point: key });
    try {
      const output = await this.scope(`${sweep.slice(this.prefix.length)}[${key}]`, (x) => fn(point, x));
      state.done(key, output);
      archive.journal({ event: "point-end", sweep, point: key, status: "done" });
    } catch (error) {
      if (this.run.signal.aborted) {
        state.unclaim(key); // interrupted, not failed: the point stays to do
        throw error;
      }
      state.fail(key, message(error));
      archive.journal({ event: "point-end", sweep, point: key, status: "failed", error: message(error) });
    }
  }

  reserve(request: ReserveRequest): Promise<readonly Node[]> {
    return this.runStep(
      "reserve",
      async (s) => {
        await this.release();
        const testbed = this.run.newTestbed();
        this.testbed = testbed;
        const nodes = await testbed.reserve(request, s);
        this.run.noteHosts(nodes.map((n) => n.name));
        if (request.walltime !== undefined && testbed.walltimeEnd?.() != null) {
          this.stopWatching = this.run.watchWalltime(testbed, request.walltime, request.extensions ?? 0);
        }
        return nodes;
      },
      hostNames,
    );
  }

  deploy(nodes: readonly Node[], options: DeployOptions = {}): Promise<readonly Node[]> {
    return this.runStep("deploy", (s) => this.reserved().deploy(nodes, options, s), hostNames);
  }

  bootVms(nodes: readonly Node[], options: BootVmsOptions): Promise<readonly Vm[]> {
    return this.runStep("bootVms", (s) => this.reserved().bootVms(nodes, options, s), summarized((vms: readonly Vm[]) => ({ count: vms.length })));
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
        const running = plugin.create(testbed.cluster(), options.options as never);
        running.start();
        try {
          await testbed.advance(options.for, s);
        } finally {
          running.stop();
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
    const name = options.name ?? `exec:${command.argv[0] ?? ""}`;
    return this.runStep(
      name,
      async (s) => {
        const testbed = this.reserved();
        if (!testbed.processRunner) throw new UsageError(`the ${testbed.kind} testbed runs no processes on its hosts`);
        const runner = testbed.processRunner();
        const spares = options.spares ?? [];
        const everyone = [...hosts, ...spares];
        const rank = new Map(everyone.map((h, i) => [h.name, i]));
        const results = new Map<string, HostResult>();
        const count = (): void => s.progress({ done: results.size, total: hosts.length, failed: [...results.values()].filter((r) => r.status !== "ok").length });
        const run = { name: (h: Host) => h.name, spares, signal: s.signal, onEvent: (e: Readonly<Record<string, unknown>>) => s.journal({ ...e }) };
        const policy = await underPolicy(hosts, options.policy ?? {}, run, async (host) => {
          const result = await runner.exec(host, rank.get(host.name) ?? 0, command, s.signal);
          results.set(host.name, result);
          if (options.keepOutput ?? true) s.keepOutput(host.name, result.stdout, result.stderr);
          s.journal({ event: "host", host: host.name, status: result.status, exitCode: result.exitCode, seconds: (result.end - result.start) / 1000 });
          count();
          if (result.status !== "ok") throw new Error(`${result.status}${result.exitCode === null ? "" : ` (exit ${result.exitCode})`}${result.error ? `: ${result.error}` : ""}`);
          return result;
        });
        const outcome = report(name, everyone.map((h) => results.get(h.name)).filter((r): r is HostResult => r !== undefined));
        return { ...outcome, excluded: policy.failed.map((f) => (f.host as Host).name) };
      },
      summarized((r: ActionReport) => ({ started: r.started, ok: r.ok, failed: r.failed, timedOut: r.timedOut })),
    );
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

  async release(): Promise<void> {
    const testbed = this.testbed;
    this.testbed = null;
    this.stopWatching();
    this.stopWatching = () => {};
    if (testbed) await testbed.release();
  }

  metrics(table: string, rows: readonly MetricRow[]): void {
    this.sink.add(table, rows);
  }

  summary(fields: Readonly<Record<string, Json>>): void {
    this.run.archive.mergeSummary(fields);
  }

  log(text: string): void {
    const where = this.prefix.replace(/\/$/, "") || "run";
    this.run.archive.journal({ event: "log", scope: this.prefix, message: text });
    this.run.progress.stepLog(where, text);
  }

  private reserved(): Testbed {
    if (!this.testbed) throw new Error(`no testbed reserved in ${this.prefix ? `scope '${this.prefix}'` : "this run"}: call reserve first`);
    return this.testbed;
  }

  private throwIfAborted(): void {
    const { signal } = this.run;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError("signal");
  }

  /** Unique name within the scope: a repeated name gets `#2`, `#3`... (the same on every attempt). */
  private uniqueName(name: string): string {
    const n = (this.stepCounts.get(name) ?? 0) + 1;
    this.stepCounts.set(name, n);
    return `${this.prefix}${name}${n > 1 ? `#${n}` : ""}`;
  }

  private async runStep<T>(name: string, fn: (s: StepContext) => Promise<T>, recording: Recording<T>): Promise<T> {
    const { archive, progress, signal, previous } = this.run;
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
      seed: this.run.seed,
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

/** Keeps journal lines short: big outputs are in `steps/<step>.json`. */
function summarize(record: unknown): unknown {
  const text = JSON.stringify(record ?? null);
  return text.length <= 2048 ? record : { bytes: text.length, file: "steps/" };
}
