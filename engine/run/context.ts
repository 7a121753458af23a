import type { MigrationResult, Observation } from "../cluster.ts";
import type { Json, Context, ScheduleOptions } from "../dsl/workflow.ts";
import type { Node, Vm } from "../hosts.ts";
import { schedulers } from "../registry.ts";
import type { MetricRow, SchedulerReport } from "../scheduler.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedMetrics } from "../testbed.ts";
import { InterruptedError } from "../errors.ts";
import type { RunArchive } from "../archive/run-archive.ts";
import type { ProgressRenderer } from "../progress/types.ts";

/** What every scope of one run shares. */
export interface RunServices {
  readonly seed: number;
  readonly testbedKind: string;
  readonly archive: RunArchive;
  readonly progress: ProgressRenderer;
  readonly signal: AbortSignal;
  /** Creates a testbed instance; the run releases every instance it made. */
  newTestbed(): Testbed;
  /** Node names reserved during the run (for the manifest). */
  noteHosts(names: readonly string[]): void;
}

/** Compact, JSON-safe record of a step's output for the journal and checkpoint. */
type Checkpoint<T> = (output: T) => unknown;

const keep = <T>(output: T): unknown => output;
const names = (hosts: readonly { name: string }[]): unknown => ({ count: hosts.length, names: hosts.map((h) => h.name) });

export class RunContext implements Context {
  private testbed: Testbed | null = null;
  private readonly stepCounts = new Map<string, number>();

  constructor(
    private readonly run: RunServices,
    private readonly prefix: string,
  ) {}

  get seed(): number {
    return this.run.seed;
  }

  get testbedKind(): string {
    return this.run.testbedKind;
  }

  step<T extends Json | void>(name: string, fn: (s: StepContext) => Promise<T>): Promise<T> {
    return this.runStep(name, fn, keep);
  }

  async scope<T>(name: string, fn: (x: Context) => Promise<T>): Promise<T> {
    const child = new RunContext(this.run, `${this.prefix}${name}/`);
    try {
      return await fn(child);
    } finally {
      await child.release();
    }
  }

  reserve(request: ReserveRequest): Promise<readonly Node[]> {
    return this.runStep(
      "reserve",
      async (s) => {
        if (this.testbed) await this.testbed.release();
        this.testbed = this.run.newTestbed();
        const nodes = await this.testbed.reserve(request, s);
        this.run.noteHosts(nodes.map((n) => n.name));
        return nodes;
      },
      names,
    );
  }

  deploy(nodes: readonly Node[], options: DeployOptions = {}): Promise<readonly Node[]> {
    return this.runStep("deploy", (s) => this.reserved().deploy(nodes, options, s), names);
  }

  bootVms(nodes: readonly Node[], options: BootVmsOptions): Promise<readonly Vm[]> {
    return this.runStep("bootVms", (s) => this.reserved().bootVms(nodes, options, s), (vms) => ({ count: vms.length }));
  }

  stress(vms: readonly Vm[], profile: StressProfile): Promise<void> {
    return this.runStep("stress", (s) => this.reserved().stress(vms, profile, s), () => ({ vms: vms.length, profile }));
  }

  schedule(scheduler: string, options: ScheduleOptions): Promise<SchedulerReport> {
    return this.runStep(
      `schedule:${scheduler}`,
      async (s) => {
        const testbed = this.reserved();
        const plugin = await schedulers.resolve(scheduler);
        const running = plugin.create(testbed.cluster(), options.options as never);
        running.start();
        try {
          await testbed.advance(options.for, s);
        } finally {
          running.stop();
        }
        return running.report();
      },
      (r) => ({ scheduler: r.scheduler, decisions: r.decisions, computeSeconds: r.computeSeconds, migrations: r.migrations.length }),
    );
  }

  migrate(vm: string, to: string): Promise<MigrationResult> {
    return this.runStep("migrate", (s) => this.reserved().migrate(vm, to, s), keep);
  }

  observe(): Promise<Observation> {
    return this.runStep("observe", () => this.reserved().observe(), (o) => ({ time: o.time, nodes: o.nodes.length, vms: o.vms.length }));
  }

  collect(): Promise<TestbedMetrics> {
    return this.runStep("collect", (s) => this.reserved().collect(s), (m) => ({ duration: m.duration, violations: m.violations.length, migrations: m.migrations.length, counters: m.counters }));
  }

  async release(): Promise<void> {
    const testbed = this.testbed;
    this.testbed = null;
    if (testbed) await testbed.release();
  }

  metrics(table: string, rows: readonly MetricRow[]): void {
    this.run.archive.appendMetrics(table, rows);
  }

  summary(fields: Readonly<Record<string, Json>>): void {
    this.run.archive.mergeSummary(fields);
  }

  log(message: string): void {
    this.run.archive.journal({ event: "log", scope: this.prefix, message });
    this.run.progress.stepLog(this.prefix || "run", message);
  }

  private reserved(): Testbed {
    if (!this.testbed) throw new Error(`no testbed reserved in ${this.prefix ? `scope '${this.prefix}'` : "this run"}: call reserve first`);
    return this.testbed;
  }

  /** Unique step name within the scope: a repeated name gets `#2`, `#3`... */
  private stepName(name: string): string {
    const n = (this.stepCounts.get(name) ?? 0) + 1;
    this.stepCounts.set(name, n);
    return `${this.prefix}${name}${n > 1 ? `#${n}` : ""}`;
  }

  private async runStep<T>(name: string, fn: (s: StepContext) => Promise<T>, checkpoint: Checkpoint<T>): Promise<T> {
    const { archive, progress, signal } = this.run;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError("signal");
    const step = this.stepName(name);
    const started = performance.now();
    archive.journal({ event: "step-start", step });
    progress.stepStarted(step);
    const ctx: StepContext = {
      step,
      signal,
      seed: this.run.seed,
      log: (message) => {
        archive.journal({ event: "log", step, message });
        progress.stepLog(step, message);
      },
      progress: (counters) => progress.stepProgress(step, counters),
      journal: (event) => archive.journal({ ...event, step }),
      keepOutput: (host, stdout, stderr) => archive.keepOutput(host, step, stdout, stderr),
    };
    try {
      const output = await fn(ctx);
      const seconds = (performance.now() - started) / 1000;
      const record = checkpoint(output);
      archive.saveStepOutput(step, record);
      archive.journal({ event: "step-end", step, status: "ok", seconds, output: summarize(record) });
      progress.stepEnded(step, "ok", seconds);
      return output;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const status = signal.aborted ? "interrupted" : "failed";
      const message = error instanceof Error ? error.message : String(error);
      archive.journal({ event: "step-end", step, status, seconds, error: message });
      progress.stepEnded(step, status, seconds, message);
      throw error;
    }
  }
}

/** Keeps journal lines short: big outputs are in `steps/<step>.json`. */
function summarize(record: unknown): unknown {
  const text = JSON.stringify(record ?? null);
  return text.length <= 2048 ? record : { bytes: text.length, file: "steps/" };
}
