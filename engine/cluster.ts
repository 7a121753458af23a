import type { Host } from "./hosts.ts";
import type { SshRunner } from "./process/index.ts";

/**
 * What a scheduler sees of a datacenter and how it acts on it.
 *
 * The same scheduler code runs on the simulated testbed (driven by its
 * discrete-event kernel) and on real ones (driven by wall-clock timers),
 * as SimGrid keeps one algorithm for both. That is why the interface is
 * callback-based actors rather than promises: a discrete-event kernel fires
 * a callback per event deterministically and without microtask bookkeeping.
 */

/** Seconds on the testbed's clock (simulated or wall). */
export type Seconds = number;

export interface NodeState {
  readonly name: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly online: boolean;
}

export interface VmState {
  readonly name: string;
  readonly node: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Current CPU demand in cores (0..vcpus). */
  readonly cpuDemand: number;
  /**
   * CPU the VM actually obtains, in cores, where the testbed tells it apart
   * from the demand (sim: its fair share when its node is overcommitted, 0
   * while suspended). Absent where the demand is itself a measurement (local).
   */
  readonly cpuUse?: number;
  /** True while a live migration of this VM is in flight. */
  readonly migrating: boolean;
}

export interface NodeTraffic {
  readonly rxBps: number;
  readonly txBps: number;
}

/** A snapshot of placement and demand. Arrays are ordered by name for determinism. */
export interface Observation {
  readonly time: Seconds;
  readonly nodes: readonly NodeState[];
  readonly vms: readonly VmState[];
}

/**
 * A whole-datacenter snapshot as columns, in Observation's order: VM i is
 * `vms.name[i]`, hosted by node `vms.node[i]` (an index into the node
 * columns). What a scheduler reading every VM needs, without one object per
 * VM (800,000 at 100,000 PMs); engine/observation-columns.ts builds it from an
 * Observation where the testbed has no cheaper way.
 */
export interface ObservationColumns {
  readonly time: Seconds;
  readonly nodes: { readonly name: readonly string[]; readonly cores: Float64Array; readonly memoryMiB: Float64Array; readonly online: Uint8Array };
  readonly vms: { readonly name: readonly string[]; readonly node: Int32Array; readonly memoryMiB: Float64Array; readonly cpuDemand: Float64Array; readonly migrating: Uint8Array };
}

export interface MigrationResult {
  readonly vm: string;
  readonly from: string;
  readonly to: string;
  readonly start: Seconds;
  readonly end: Seconds;
  /** Time the VM was suspended (stage 3 of pre-copy). */
  readonly downtime: Seconds;
  /** Pre-copy rounds after the first full copy. */
  readonly rounds: number;
  readonly outcome: "ok" | "not-converged" | "failed" | "rejected";
  readonly reason?: string;
}

export interface TimerHandle {
  cancel(): void;
}

/** Scheduler-facing runtime of one datacenter. */
export interface ClusterRuntime {
  readonly clock: "simulated" | "wall";
  now(): Seconds;
  /** Runs `fire` after `delay` seconds of testbed time. */
  setTimer(delay: Seconds, fire: () => void): TimerHandle;
  /** Latest snapshot. On real testbeds a poller keeps it fresh (every second). */
  observe(nodes?: readonly string[]): Observation;
  /** The latest snapshot of every node and VM as columns, where the testbed holds them so (sim); absent, callers convert `observe()` (engine/observation-columns.ts). */
  observeColumns?(): ObservationColumns;
  /** The nodes' names, in observe()'s order, without a snapshot (a scheduler that needs only them: DVMS); absent, callers read them from `observe`. */
  nodeNames?(): readonly string[];
  /** Whether `node` is up, without a snapshot (agents ask on every event); absent, callers read it from `observe`. */
  online?(node: string): boolean;
  /**
   * Called whenever a node's summed CPU demand crosses its capacity, either
   * way. Lets event-driven monitors skip polling; a real testbed calls it
   * from its poller.
   */
  onLoadChange(listener: (node: string, overloaded: boolean) => void): void;
  /**
   * Bytes/s a node sends and receives at this instant, where the testbed
   * models its network (sim: the migration flows, the only traffic it
   * carries); absent where hosts are measured instead (their /proc).
   */
  traffic?(node: string): NodeTraffic;
  /** Starts a live migration; `done` fires once it ends, whatever the outcome. */
  migrate(vm: string, to: string, done: (result: MigrationResult) => void): void;
  /**
   * Charges scheduler computation to the clock: on the simulated testbed the
   * returned delay is how long the decision takes in simulated time
   * (deterministic, from a work count); on real ones it is 0 (the work took
   * real time already).
   */
  computeDelay(workUnits: number, measuredSeconds: Seconds): Seconds;
  /** Message passing between node agents (DVMS): latency-delayed in simulation, TCP on real testbeds. */
  readonly network: AgentNetwork;
  /** Present where node agents can run as processes on the nodes themselves (real testbeds). */
  readonly agentHosting?: AgentHosting;
}

/**
 * How to run one scheduler agent per node, on the node itself (DVMS on a
 * real testbed): the nodes as SSH reaches them, where agents keep their
 * files, the libvirt commands an agent runs there, and how the testbed hears
 * of the migrations agents carry out.
 */
export interface AgentHosting {
  /** The deployed nodes, reachable through `runner` (jump hosts included). */
  readonly nodes: readonly Host[];
  readonly runner: SshRunner;
  /** Directory on the nodes for the agents' files; `{{host}}` is substituted (nodes sharing a file system get one each). */
  readonly workDir: string;
  /** `domstats`: the node's domains with state and CPU time (`virsh domstats --state --cpu-total`); `migrate`: a live migration run from any node, `{{vm}}`, `{{source}}` and `{{destination}}` (node addresses) substituted. */
  readonly commands: { readonly domstats: readonly string[]; readonly migrate: readonly string[] };
  /** Seconds between two observations of a node; seconds a migration may take before it is given up. */
  readonly pollInterval: Seconds;
  readonly migrateTimeout: Seconds;
  /** An agent started moving `vm` to `to`: the testbed's placement and metrics follow. */
  migrationStarted(vm: string, to: string): void;
  migrationEnded(result: MigrationResult): void;
}

export interface AgentNetwork {
  /** Delivers `message` to `to`'s handler after the link latency; dropped if `to` is down. */
  send(from: string, to: string, message: unknown): void;
  /** Registers the handler of messages addressed to `node`. */
  listen(node: string, handler: (from: string, message: unknown) => void): void;
  /** One-way latency between two nodes, in seconds. */
  latency(from: string, to: string): Seconds;
}
