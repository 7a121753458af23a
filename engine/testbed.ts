import type { ClusterRuntime, MigrationResult, Observation, Seconds } from "./cluster.ts";
import type { Node, Vm } from "./hosts.ts";
import type { FailurePolicy } from "./policy.ts";
import type { ProcessRunner } from "./process/types.ts";
import type { StepCounters } from "./progress/types.ts";
import type { MetricRow } from "./scheduler.ts";
import type { RoleSpecs } from "./roles.ts";
import type { FanoutSupport } from "./actions/runners.ts";

/** What a step gives the testbed: logging, progress, cancellation, archive access. */
export interface StepContext {
  readonly step: string;
  readonly signal: AbortSignal;
  /** Run seed; testbeds derive every random stream from it. */
  readonly seed: number;
  log(message: string): void;
  /** Progress counters of the step (rendered as one line, not one per host). */
  progress(counters: StepCounters): void;
  /** Appends an event to the run's journal. */
  journal(event: Readonly<Record<string, unknown>>): void;
  /** Keeps a host's output in the archive as `hosts/<host>/<step>.{out,err}`. */
  keepOutput(host: string, stdout: string, stderr: string): void;
}

export interface ReserveRequest {
  readonly nodes: number;
  /** Walltime in seconds (ignored by testbeds without reservations). */
  readonly walltime?: Seconds;
  /** How many times the engine may extend the walltime when it nears its end (default 0). */
  readonly extensions?: number;
  /** Per-node capacity wanted: simulated and local testbeds make nodes that size; g5k counts at most that many cores per node (its real ones otherwise). */
  readonly cores?: number;
  readonly memoryMiB?: number;
  /** Testbed-specific selectors: sites, cluster, properties... */
  readonly where?: Readonly<Record<string, string>>;
  /** VMs the run means to boot on these nodes: testbeds that reserve VM addresses size them for it (and refuse too few). */
  readonly vms?: number;
  /** Seed of this reservation's random streams (default: the run seed); repetitions pass their own (engine `repeatSeed`). */
  readonly seed?: number;
  /** Named host groups taken from the reserved nodes (by count or label), EnOSlib-style; the engine assigns them. */
  readonly roles?: RoleSpecs;
}

export interface DeployOptions {
  readonly image?: string;
  /** false: the nodes only run processes, no hypervisor (quicker deploys for fan-out and network experiments; default true). */
  readonly vms?: boolean;
  /** Failed nodes: retried, then excluded or replaced; the step fails below the required count. */
  readonly policy?: FailurePolicy;
}

export type Placement =
  | { readonly policy: "round-robin" }
  | { readonly policy: "packed" }
  | { readonly policy: "given"; readonly map: Readonly<Record<string, string>> };

export interface BootVmsOptions {
  readonly perNode: number;
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly placement?: Placement;
  /** VMs that fail to boot: retried, then excluded; the step fails below the required count. */
  readonly policy?: FailurePolicy;
}

export type StressProfile =
  /** VMPlaceS injector: Poisson load changes, N(mean, std) rounded to 10 slots. */
  | { readonly kind: "gaussian"; readonly mean: number; readonly std: number; readonly loadPeriod?: Seconds }
  /** Every VM at a fixed CPU share (0..1), with a memory dirtying intensity. */
  | { readonly kind: "constant"; readonly load: number; readonly dirtyIntensity?: number };

/** Violation interval of one node: its VMs' demand exceeded its capacity from start to end. */
export interface ViolationInterval {
  readonly node: string;
  readonly start: Seconds;
  /** null while still overloaded when collected. */
  readonly end: Seconds | null;
}

export interface TestbedMetrics {
  readonly clock: "simulated" | "wall";
  /** Testbed time at which observation started (the start of stress). */
  readonly start: Seconds;
  /** Testbed time covered, from the start of stress to collection. */
  readonly duration: Seconds;
  readonly violations: readonly ViolationInterval[];
  readonly migrations: readonly MigrationResult[];
  readonly tables: Readonly<Record<string, readonly MetricRow[]>>;
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * One reservation on one testbed kind: the steps of docs/testbeds.md, in order.
 * The engine makes one per `reserve` and releases all of them at the end of
 * a run or on interrupt.
 */
export interface Testbed {
  readonly kind: string;
  readonly clock: "simulated" | "wall";
  /** Shown in the manifest: what this testbed is (sizes, versions, options). No secrets. */
  describe(): Readonly<Record<string, unknown>>;
  reserve(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]>;
  deploy(nodes: readonly Node[], options: DeployOptions, ctx: StepContext): Promise<readonly Node[]>;
  bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]>;
  stress(vms: readonly Vm[], profile: StressProfile, ctx: StepContext): Promise<void>;
  /** The scheduler-facing runtime of the reserved datacenter. */
  cluster(): ClusterRuntime;
  /** Lets testbed time pass (simulation runs; real testbeds wait). */
  advance(duration: Seconds, ctx: StepContext): Promise<void>;
  migrate(vm: string, to: string, ctx: StepContext): Promise<MigrationResult>;
  observe(): Promise<Observation>;
  collect(ctx: StepContext): Promise<TestbedMetrics>;
  /** Frees everything the testbed started. Idempotent; called on interrupt too. */
  release(): Promise<void>;
  /** Runs commands on the testbed's hosts (pooled ssh); absent where hosts run no processes (sim). */
  processRunner?(): ProcessRunner;
  /** What the hosts offer beyond pooled SSH (relay program for the tree and broadcast, taktuk); absent: direct SSH only. */
  fanout?(): FanoutSupport;
  /** When the reservation ends (epoch ms), on testbeds with walltimes. */
  walltimeEnd?(): number | null;
  /** Asks for `seconds` more walltime; resolves with the new end (epoch ms), or null when refused. */
  extendWalltime?(seconds: Seconds): Promise<number | null>;
}

export interface TestbedInit {
  readonly seed: number;
  /**
   * Seed of the run's random stream `stream` (engine/random/streams.ts),
   * recorded in the manifest; absent outside a run (derive from `seed`).
   */
  readonly streamSeed?: (stream: string) => number;
  /** Testbed options from `--testbed-opt k=v` or the config file. */
  readonly options: Readonly<Record<string, string>>;
  /** Directory of the run's archive, for testbeds that keep files. */
  readonly archiveDir: string;
  log(message: string): void;
}

/** Optional parts of a testbed's set-up, off unless asked for. */
export interface SetupExtras {
  /** A real OAR batch scheduler whose resources are the testbed's nodes. */
  readonly oar?: boolean;
}

export interface TestbedPlugin {
  readonly name: string;
  readonly description: string;
  create(init: TestbedInit): Testbed;
  /** Options whose values are secrets, whatever their names (never archived). */
  readonly secretOptions?: readonly string[];
  /** Checks `--testbed-opt` values before a run starts, so bad ones are answered with exit code 2. */
  validateOptions?(options: Readonly<Record<string, string>>): void;
  /** `g5k-flow testbed setup NAME`: install packages, build images (idempotent). */
  setup?(log: (message: string) => void, extras?: SetupExtras): Promise<void>;
  /** `g5k-flow testbed down NAME`: remove everything any run of this testbed left behind. */
  teardown?(log: (message: string) => void, extras?: SetupExtras): Promise<void>;
  /** Which optional parts (`testbed setup NAME --oar`) this testbed can set up. */
  readonly setupExtras?: readonly (keyof SetupExtras)[];
}
