import type { ClusterRuntime, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import type { StressProfile, TestbedMetrics } from "../../engine/testbed.ts";
import { DEFAULTS } from "./constants.ts";
import { EventKernel } from "./kernel.ts";
import { MILLI } from "./platform.ts";
import { SimWorld, type CrashSpec, type WorldSpec } from "./world.ts";

export interface SimClusterSpec {
  readonly seed: number;
  readonly nodes: number;
  /** Cores per node (default 8). */
  readonly cores?: number;
  /** Memory per node (default 32768 MiB). */
  readonly memoryMiB?: number;
  /** VMs per node at start: VM j is on node floor(j / vmsPerNode). */
  readonly vmsPerNode: number;
  readonly vmVcpus?: number;
  readonly vmMemoryMiB?: number;
  /** Load injector started at time 0; none if absent (loads stay 0 unless scripted). */
  readonly load?: StressProfile;
  /** One-way latency of each link, seconds (default 50 µs; a path crosses two links). */
  readonly latency?: Seconds;
  /** Bandwidth of each link, bytes/s (default 10 Gbit/s). */
  readonly bandwidth?: number;
  /** Migration speed S, bytes/s (default 125 MB/s). */
  readonly migrationSpeed?: number;
  /** Pre-copy rounds before a migration is reported not converged (default 20). */
  readonly maxRounds?: number;
  /** Dirty-page intensity of every VM (default: drawn per VM from 10/20/30/40 %). */
  readonly dirtyIntensity?: number;
  /** Simulated seconds per scheduler work unit (default 1 µs). */
  readonly computeCost?: Seconds;
  /** Optional random node crashes. */
  readonly crashes?: CrashSpec;
}

export interface SimCluster {
  readonly runtime: ClusterRuntime;
  /** Runs the simulation synchronously up to absolute simulated time `untilSeconds`. */
  run(untilSeconds: number): void;
  /** Sets a VM's CPU demand in cores (scripted load, for tests); takes effect now. */
  setVmLoad(vm: string, cpuDemand: number): void;
  crashNode(node: string): void;
  metrics(): TestbedMetrics;
  /** VM name -> node name, VMs in name order. */
  placement(): ReadonlyMap<string, string>;
}

export function createSimCluster(spec: SimClusterSpec): SimCluster {
  const world = new SimWorld(new EventKernel(), worldSpec(spec));
  if (spec.load) world.stress(spec.load);
  if (spec.crashes) world.injectCrashes(spec.crashes);
  return {
    runtime: world.runtime,
    run: (until) => {
      world.kernel.runUntil(until);
    },
    setVmLoad: (vm, cpuDemand) => {
      if (!(cpuDemand >= 0)) throw new UsageError(`CPU demand of '${vm}' must be >= 0, got ${cpuDemand}`);
      world.platform.setDemand(world.vmOf(vm), Math.round(cpuDemand * MILLI));
    },
    crashNode: (node) => world.crash(world.nodeOf(node)),
    metrics: () => world.metrics(0),
    placement: () => {
      const p = world.platform;
      return new Map(p.vmNames.map((name, vm) => [name, p.nodeNames[p.vmNode[vm]]]));
    },
  };
}

function worldSpec(spec: SimClusterSpec): WorldSpec {
  positiveInt("nodes", spec.nodes);
  nonNegativeInt("vmsPerNode", spec.vmsPerNode);
  const vmNode = new Int32Array(spec.nodes * spec.vmsPerNode);
  for (let vm = 0; vm < vmNode.length; vm++) vmNode[vm] = Math.floor(vm / spec.vmsPerNode);
  const cores = spec.cores ?? DEFAULTS.cores;
  const memoryMiB = spec.memoryMiB ?? DEFAULTS.memoryMiB;
  const vmMemoryMiB = spec.vmMemoryMiB ?? DEFAULTS.vmMemoryMiB;
  if (spec.vmsPerNode * vmMemoryMiB > memoryMiB) {
    throw new UsageError(`${spec.vmsPerNode} VMs of ${vmMemoryMiB} MiB do not fit in ${memoryMiB} MiB per node`);
  }
  return {
    seed: spec.seed,
    nodes: spec.nodes,
    cores,
    memoryMiB,
    vmNode,
    vmVcpus: spec.vmVcpus ?? DEFAULTS.vmVcpus,
    vmMemoryMiB,
    linkBandwidth: spec.bandwidth ?? DEFAULTS.linkBandwidth,
    linkLatency: spec.latency ?? DEFAULTS.linkLatency,
    migrationSpeed: spec.migrationSpeed ?? DEFAULTS.migrationSpeed,
    maxRounds: spec.maxRounds ?? DEFAULTS.maxRounds,
    computeCost: spec.computeCost ?? DEFAULTS.computeCost,
    ...(spec.dirtyIntensity === undefined ? {} : { dirtyIntensity: spec.dirtyIntensity }),
  };
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, got ${value}`);
}

function nonNegativeInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${name} must be a non-negative integer, got ${value}`);
}
