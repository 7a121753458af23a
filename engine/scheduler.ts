import type { ClusterRuntime, MigrationResult, Seconds } from "./cluster.ts";
import type { StepContext } from "./testbed.ts";

/** One row of a metrics table; written as CSV under the run's `metrics/`. */
export type MetricRow = Readonly<Record<string, string | number | boolean | null>>;

export interface SchedulerReport {
  readonly scheduler: string;
  /** Time spent deciding (solver), in testbed seconds. */
  readonly computeSeconds: Seconds;
  /** Number of decisions taken (Entropy periods, DVMS ISPs). */
  readonly decisions: number;
  readonly migrations: readonly MigrationResult[];
  /** Scheduler-specific tables, e.g. `isp` for DVMS: one row per ISP. */
  readonly tables: Readonly<Record<string, readonly MetricRow[]>>;
}

/** A running scheduler bound to one cluster. */
export interface Scheduler {
  /** `step`: the schedule step, for schedulers that journal as they go or keep hosts' output (agents' logs). */
  start(step?: StepContext): void;
  /** Stops deciding; in-flight migrations finish on their own. Resolves once whatever it started (agent processes) has exited. */
  stop(): void | Promise<void>;
  report(): SchedulerReport;
}

/** What a run gives a scheduler besides its cluster and options. */
export interface SchedulerInit {
  /** Seed of the run's random stream `stream` (engine/random/streams.ts), recorded in the manifest. */
  streamSeed(stream: string): number;
}

export interface SchedulerPlugin<Options = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /** Bad options throw a one-line UsageError. Without `init` (outside a run), random streams use the plugin's default seed. */
  create(cluster: ClusterRuntime, options?: Partial<Options>, init?: SchedulerInit): Scheduler;
  /** Loads what `create` will need with these options and cannot load synchronously (e.g. a WebAssembly solver). */
  prepare?(options?: Partial<Options>): Promise<void>;
}
