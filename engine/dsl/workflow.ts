import type { MigrationResult, Observation, Seconds } from "../cluster.ts";
import type { Host, Node, Roles, Vm } from "../hosts.ts";
import type { RoleSpecs } from "../roles.ts";
import type { Action } from "../actions/types.ts";
import type { MonitorOptions, Monitoring, NetemOptions, NetemReport, NetemRule } from "../services/index.ts";
import type { FailurePolicy } from "../policy.ts";
import type { ActionReport, CommandSpec } from "../process/types.ts";
import type { MetricRow, SchedulerReport } from "../scheduler.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, TestbedMetrics } from "../testbed.ts";
import type { ParamSpecs, ParamValues } from "./params.ts";
import type { Point, Space } from "./space.ts";

/** Values a step may return: they are checkpointed to the archive as JSON. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json | undefined };

export interface ExecOptions {
  /** Step name (default `exec:<program>`). */
  readonly name?: string;
  /** Retries, required hosts, exclusion: see FailurePolicy (default: every host must succeed). */
  readonly policy?: FailurePolicy;
  /** Hosts that take a failed host's place under `onFailure: "replace"` (ranked after `hosts`). */
  readonly spares?: readonly Host[];
  /** Keep each host's stdout/stderr under `hosts/<host>/<step>.{out,err}` (default true). */
  readonly keepOutput?: boolean;
}

/** Reserved nodes, with the roles the request declared. */
export type Reservation<R extends RoleSpecs = Record<never, never>> = readonly Node[] & { readonly roles: Roles<Node, keyof R & string> };

export interface RunOptions {
  /** Keep each host's stdout/stderr under `hosts/<host>/<step>.{out,err}` (default true). */
  readonly keepOutput?: boolean;
}

export interface ScheduleOptions {
  /** Testbed time to run the scheduler for. */
  readonly for: Seconds;
  readonly options?: Readonly<Record<string, unknown>>;
}

/**
 * What a workflow's `run` receives. Every method is a named, journaled step;
 * the testbed ones act on the testbed reserved in the current scope.
 */
export interface Context {
  readonly seed: number;
  /** Kind of the testbed the run targets ("sim", "local", "g5k", ...). */
  readonly testbedKind: string;
  /** Runs `fn` as a named step: timed, journaled, shown in progress, output checkpointed. */
  step<T extends Json | void>(name: string, fn: (s: StepContext) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` with step names prefixed by `name/` and its own testbed
   * reservation, released at the end. Its metrics are written when it
   * completes and its result is checkpointed: a resumed run skips it.
   */
  scope<T extends Json | void>(name: string, fn: (x: Context) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` once per point of `space`, each point a scope, with persisted
   * states (todo / in progress / done / skipped / failed): a resumed run, or
   * a second process sharing the sweep, runs only the points not done.
   */
  sweep<P extends Point, T extends Json | void>(name: string, space: Space<P>, fn: (point: P, x: Context) => Promise<T>): Promise<SweepResult<P, T>[]>;
  /** Reserves nodes; `roles` names groups of them (by count or label), returned as `.roles`. */
  reserve<const R extends RoleSpecs = Record<never, never>>(request: ReserveRequest & { readonly roles?: R }): Promise<Reservation<R>>;
  deploy(nodes: readonly Node[], options?: DeployOptions): Promise<readonly Node[]>;
  bootVms(nodes: readonly Node[], options: BootVmsOptions): Promise<readonly Vm[]>;
  stress(vms: readonly Vm[], profile: StressProfile): Promise<void>;
  /** Runs the named scheduler plugin on the reserved cluster for a while. */
  schedule(scheduler: string, options: ScheduleOptions): Promise<SchedulerReport>;
  migrate(vm: string, to: string): Promise<MigrationResult>;
  /** Runs a command (argument vector, `{{host}}`/`{{rank}}` substituted per host) on hosts of the reserved testbed. */
  exec(hosts: readonly Host[], command: CommandSpec, options?: ExecOptions): Promise<ActionReport>;
  /**
   * Runs an action (remote, local, put, get, broadcast, sequence, parallel:
   * see "Composing actions" in README.md) as one journaled step, each leaf
   * under its failure policy; per-host results in the report.
   */
  run(action: Action, options?: RunOptions): Promise<ActionReport>;
  /**
   * Starts sampling CPU, memory and network on nodes (a step), with `vms: true` their VMs
   * too, every `period` s of the testbed's clock (simulated on sim); stopped by `stop()` or
   * at release, rows in `metrics/<table>.csv` and `<table>_vms.csv` (docs/metrics.md).
   */
  monitor(hosts: readonly Host[], options?: MonitorOptions): Promise<Monitoring>;
  /** Emulates a network between groups of hosts with tc netem (a step), checked by a measured RTT; removed at release. */
  netem(rules: readonly NetemRule[], options?: NetemOptions): Promise<NetemReport>;
  observe(): Promise<Observation>;
  collect(): Promise<TestbedMetrics>;
  release(): Promise<void>;
  /** Appends rows to `metrics/<table>.csv`. */
  metrics(table: string, rows: readonly MetricRow[]): void;
  /** Merges fields into the run's `summary.json`. */
  summary(fields: Readonly<Record<string, Json>>): void;
  log(message: string): void;
}

/** One plot of `report.html`, drawn from a metrics table (`metrics/<table>.csv`). */
export interface ChartSpec {
  readonly title: string;
  readonly table: string;
  readonly kind: "line" | "bar" | "scatter" | "boxplot" | "histogram";
  /** Column for the x axis (for histogram and boxplot: the value column is `y`). */
  readonly x: string;
  readonly y: string;
  /** Column whose values split the rows into series (e.g. "scheduler"). */
  readonly series?: string;
  /** Keep only rows whose columns equal these values. */
  readonly where?: Readonly<Record<string, string | number>>;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logY?: boolean;
}

/**
 * The results table printed at the end of a run (and by `show`): one row per
 * record of a summary field holding a list of records, these columns.
 */
export interface ResultsSpec {
  /** Summary field holding the list of records (e.g. "results"). */
  readonly rows: string;
  readonly columns: readonly string[];
}

export interface ReportSpec {
  readonly title?: string;
  readonly charts: readonly ChartSpec[];
  readonly results?: ResultsSpec;
}

export type SweepResult<P extends Point, T> =
  | { readonly point: P; readonly status: "done"; readonly output: T }
  | { readonly point: P; readonly status: "failed"; readonly error: string };

export interface WorkflowDefinition<P extends ParamSpecs> {
  readonly name: string;
  readonly description?: string;
  readonly params: P;
  /** Plots of the run's `report.html`, written at the end of every run. */
  readonly report?: ReportSpec;
  run(x: Context, params: ParamValues<P>): Promise<void>;
}

export interface Workflow<P extends ParamSpecs = ParamSpecs> extends WorkflowDefinition<P> {
  readonly kind: "g5k-flow/workflow";
}

export function workflow<const P extends ParamSpecs>(definition: WorkflowDefinition<P>): Workflow<P> {
  return { ...definition, kind: "g5k-flow/workflow" };
}

export function isWorkflow(value: unknown): value is Workflow {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "g5k-flow/workflow";
}
