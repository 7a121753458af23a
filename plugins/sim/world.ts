import type { ClusterRuntime, MigrationResult, NodeState, Observation, ObservationColumns, Seconds, TimerHandle, VmState } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import type { StressProfile, TestbedMetrics } from "../../engine/testbed.ts";
import { SimAgentNetwork } from "./agent-network.ts";
import { DEFAULTS } from "./constants.ts";
import { FlowNetwork } from "./flows.ts";
import { installInjector } from "./injector.ts";
import { EventKernel } from "./kernel.ts";
import { MigrationEngine } from "./migration.ts";
import { MILLI, Platform, type PlatformSpec } from "./platform.ts";
import { seededStreams, type RandomStream, type StreamName } from "./rng.ts";

/** Everything that defines one simulated datacenter. */
export interface WorldSpec extends PlatformSpec {
  /** Seed of a named random stream of the run (engine/random/streams.ts). */
  readonly streamSeed: (stream: string) => number;
  readonly linkBandwidth: number;
  readonly linkLatency: Seconds;
  readonly migrationSpeed: number;
  readonly maxRounds: number;
  /** Dirty-page intensity of every VM; drawn from VMPlaceS classes when absent. */
  readonly dirtyIntensity?: number;
  readonly computeCost: Seconds;
}

/** Optional node crashes: exponential inter-arrival, each node back after `duration`. */
export interface CrashSpec {
  readonly meanInterval: Seconds;
  readonly duration: Seconds;
}

/**
 * One simulated datacenter: kernel, platform, flows, migrations, agent
 * network and injectors wired together, with the ClusterRuntime that
 * schedulers drive.
 */
export class SimWorld {
  readonly platform: Platform;
  readonly flows: FlowNetwork;
  readonly migrations: MigrationEngine;
  readonly network: SimAgentNetwork;
  readonly runtime: ClusterRuntime;
  private readonly streams: Record<StreamName, RandomStream>;
  private loadChanges: () => number = () => 0;
  private crashes = 0;
  private computeSeconds = 0;

  constructor(
    readonly kernel: EventKernel,
    readonly spec: WorldSpec,
  ) {
    this.streams = seededStreams(spec.streamSeed);
    this.platform = new Platform(kernel, spec);
    const classes = DEFAULTS.dirtyClasses;
    for (let vm = 0; vm < this.platform.vmCount; vm++) {
      this.platform.vmDirtyIntensity[vm] = spec.dirtyIntensity ?? classes[this.streams.vmClasses.index(classes.length)];
    }
    this.flows = new FlowNetwork(kernel, spec.linkBandwidth);
    this.migrations = new MigrationEngine(kernel, this.platform, this.flows, {
      speed: spec.migrationSpeed,
      linkLatency: spec.linkLatency,
      maxDowntime: DEFAULTS.maxDowntime,
      maxRounds: spec.maxRounds,
      workingSetRatio: DEFAULTS.workingSetRatio,
    });
    this.network = new SimAgentNetwork(kernel, this.platform, spec.linkLatency);
    this.runtime = this.makeRuntime();
  }

  nodeOf(name: string): number {
    const i = this.platform.nodeNames.index(name);
    if (i < 0) throw new UsageError(`unknown node '${name}'`);
    return i;
  }

  vmOf(name: string): number {
    const i = this.platform.vmNames.index(name);
    if (i < 0) throw new UsageError(`unknown VM '${name}'`);
    return i;
  }

  /** Starts the load injector over `vms` (all VMs when absent). */
  stress(profile: StressProfile, vms?: Int32Array): void {
    const injector = installInjector(this.kernel, this.platform, vms ?? null, profile, this.streams.injector);
    const before = this.loadChanges;
    this.loadChanges = () => before() + injector.changes();
  }

  /** Crashes random online nodes at exponential intervals; each comes back after `duration`. */
  injectCrashes(spec: CrashSpec): void {
    const random = this.streams.crashes;
    const fire = (): void => {
      const node = random.index(this.platform.nodeCount);
      if (this.platform.online[node] === 1) {
        this.crash(node);
        this.kernel.schedule(spec.duration, () => this.platform.setOnline(node, true));
      }
      this.kernel.schedule(random.exponential(1 / spec.meanInterval), fire);
    };
    this.kernel.schedule(random.exponential(1 / spec.meanInterval), fire);
  }

  /** A node goes down: its migrations fail, messages to it are dropped, it stops counting as overloaded. */
  crash(node: number): void {
    if (this.platform.online[node] === 0) return;
    this.crashes++;
    this.migrations.failNode(node);
    this.platform.setOnline(node, false);
  }

  metrics(since: Seconds): TestbedMetrics {
    const p = this.platform;
    const results = this.migrations.results;
    const count = (outcome: MigrationResult["outcome"]): number => results.filter((r) => r.outcome === outcome).length;
    const ok = results.filter((r) => r.outcome === "ok");
    const migrationSeconds = ok.reduce((sum, r) => sum + (r.end - r.start), 0);
    return {
      clock: "simulated",
      start: since,
      duration: this.kernel.now() - since,
      violations: p.violations(),
      migrations: [...results],
      tables: {},
      counters: {
        events: this.kernel.executed,
        loadChanges: this.loadChanges(),
        crashes: this.crashes,
        violations: p.violationCount,
        violationSeconds: p.violationSeconds(),
        migrations: results.length,
        migrationsOk: ok.length,
        migrationsNotConverged: count("not-converged"),
        migrationsFailed: count("failed"),
        migrationsRejected: count("rejected"),
        migrationSeconds,
        averageMigrationSeconds: ok.length > 0 ? migrationSeconds / ok.length : 0,
        computeSeconds: this.computeSeconds,
        messagesSent: this.network.sent,
        messagesDropped: this.network.dropped,
      },
    };
  }

  /**
   * Nodes and VMs in name (= index) order; a single node (an agent's own
   * view) without sets or sorts.
   */
  private observe(nodes?: readonly string[]): Observation {
    const p = this.platform;
    const time = this.kernel.now();
    if (nodes === undefined) {
      const nodeStates = Array.from({ length: p.nodeCount }, (_, n) => this.nodeState(n));
      return { time, nodes: nodeStates, vms: Array.from({ length: p.vmCount }, (_, vm) => this.vmState(vm, nodeStates[p.vmNode[vm]].name)) };
    }
    const nodeIdx = nodes.length === 1 ? [this.nodeOf(nodes[0])] : [...new Set(nodes.map((n) => this.nodeOf(n)))].sort((a, b) => a - b);
    const nodeStates = nodeIdx.map((n) => this.nodeState(n));
    // each VM with the position of its node in nodeStates; vmsOf is in index order, so one node needs no sort
    const hosted = nodeIdx.flatMap((n, i) => p.vmsOf(n).map((vm) => [vm, i] as const));
    if (nodeIdx.length > 1) hosted.sort((a, b) => a[0] - b[0]);
    return { time, nodes: nodeStates, vms: hosted.map(([vm, i]) => this.vmState(vm, nodeStates[i].name)) };
  }

  /** observe() of every node and VM, same values and order, copied from the platform's arrays without an object per VM. */
  private observeColumns(): ObservationColumns {
    const p = this.platform;
    const cpuDemand = new Float64Array(p.vmCount);
    for (let vm = 0; vm < p.vmCount; vm++) cpuDemand[vm] = p.vmDemandMilli[vm] / MILLI;
    return {
      time: this.kernel.now(),
      nodes: { name: Array.from({ length: p.nodeCount }, (_, n) => p.nodeNames.name(n)), cores: Float64Array.from(p.cores), memoryMiB: Float64Array.from(p.nodeMemoryMiB), online: p.online.slice() },
      vms: { name: Array.from({ length: p.vmCount }, (_, vm) => p.vmNames.name(vm)), node: p.vmNode.slice(), memoryMiB: Float64Array.from(p.vmMemoryMiB), cpuDemand, migrating: p.vmMigrating.slice() },
    };
  }

  private nodeState(n: number): NodeState {
    const p = this.platform;
    return { name: p.nodeNames.name(n), cores: p.cores[n], memoryMiB: p.nodeMemoryMiB[n], online: p.online[n] === 1 };
  }

  private vmState(vm: number, node: string): VmState {
    const p = this.platform;
    return {
      name: p.vmNames.name(vm), node, vcpus: p.vmVcpus[vm], memoryMiB: p.vmMemoryMiB[vm],
      cpuDemand: p.vmDemandMilli[vm] / MILLI, cpuUse: p.obtainedMilli(vm) / MILLI, migrating: p.vmMigrating[vm] === 1,
    };
  }

  private makeRuntime(): ClusterRuntime {
    const kernel = this.kernel;
    return {
      clock: "simulated",
      now: () => kernel.now(),
      setTimer: (delay: Seconds, fire: () => void): TimerHandle => kernel.setTimer(delay, fire),
      observe: (nodes) => this.observe(nodes),
      observeColumns: () => this.observeColumns(),
      nodeNames: () => Array.from({ length: this.platform.nodeCount }, (_, n) => this.platform.nodeNames.name(n)),
      online: (node) => this.platform.online[this.nodeOf(node)] === 1,
      // a node's two links: 2n out, 2n + 1 in (see MigrationEngine)
      traffic: (node) => {
        const n = this.nodeOf(node);
        return { txBps: this.flows.linkRate(2 * n), rxBps: this.flows.linkRate(2 * n + 1) };
      },
      onLoadChange: (listener) => this.platform.onLoadChange(listener),
      migrate: (vm, to, done) => this.migrations.start(this.vmOf(vm), this.nodeOf(to), done),
      computeDelay: (workUnits: number) => {
        // Deterministic mode: the measured wall time is ignored so reruns are identical.
        const delay = Math.max(0, workUnits) * this.spec.computeCost;
        this.computeSeconds += delay;
        return delay;
      },
      network: this.network,
    };
  }
}
