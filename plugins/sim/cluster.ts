import type { ClusterRuntime, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { streamSeed } from "../../engine/random/streams.ts";
import type { StressProfile, TestbedMetrics } from "../../engine/testbed.ts";
import { DEFAULTS } from "./constants.ts";
import { checkInt, checkModelValue, checkProfile } from "./options.ts";
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
      const i = world.vmOf(vm);
      const vcpus = world.platform.vmVcpus[i];
      if (!(cpuDemand >= 0 && cpuDemand <= vcpus)) throw new UsageError(`CPU demand of '${vm}' must be between 0 and its ${vcpus} vCPUs, got ${cpuDemand}`);
      world.platform.setDemand(i, Math.round(cpuDemand * MILLI));
    },
    crashNode: (node) => world.crash(world.nodeOf(node)),
    metrics: () => world.metrics(0),
    placement: () => {
      const p = world.platform;
      const out = new Map<string, string>();
      for (let vm = 0; vm < p.vmCount; vm++) out.set(p.vmNames.name(vm), p.nodeNames.name(p.vmNode[vm]));
      return out;
    },
  };
}

/** Checks every field of the spec (one-line usage errors naming it) and fills in the defaults. */
function worldSpec(spec: SimClusterSpec): WorldSpec {
  if (!Number.isSafeInteger(spec.seed)) throw new UsageError(`seed must be an integer, got ${spec.seed}`);
  const nodes = checkInt("nodes", spec.nodes, 1);
  const vmsPerNode = checkInt("vmsPerNode", spec.vmsPerNode, 0);
  const cores = checkInt("cores", spec.cores ?? DEFAULTS.cores, 1);
  const memoryMiB = checkInt("memoryMiB", spec.memoryMiB ?? DEFAULTS.memoryMiB, 1);
  const vmVcpus = checkInt("vmVcpus", spec.vmVcpus ?? DEFAULTS.vmVcpus, 1);
  const vmMemoryMiB = checkInt("vmMemoryMiB", spec.vmMemoryMiB ?? DEFAULTS.vmMemoryMiB, 1);
  if (vmsPerNode * vmMemoryMiB > memoryMiB) {
    throw new UsageError(`${vmsPerNode} VMs of ${vmMemoryMiB} MiB do not fit in ${memoryMiB} MiB per node`);
  }
  if (spec.load) checkProfile(spec.load);
  if (spec.crashes) {
    checkModelValue("crashMeanInterval", spec.crashes.meanInterval);
    checkModelValue("crashDuration", spec.crashes.duration);
  }
  const vmNode = new Int32Array(nodes * vmsPerNode);
  for (let vm = 0; vm < vmNode.length; vm++) vmNode[vm] = Math.floor(vm / vmsPerNode);
  return {
    streamSeed: (stream) => streamSeed(spec.seed, stream),
    nodes,
    cores,
    memoryMiB,
    vmNode,
    vmVcpus,
    vmMemoryMiB,
    linkBandwidth: checkModelValue("bandwidth", spec.bandwidth ?? DEFAULTS.linkBandwidth),
    linkLatency: checkModelValue("latency", spec.latency ?? DEFAULTS.linkLatency),
    migrationSpeed: checkModelValue("migrationSpeed", spec.migrationSpeed ?? DEFAULTS.migrationSpeed),
    maxRounds: checkModelValue("maxRounds", spec.maxRounds ?? DEFAULTS.maxRounds),
    computeCost: checkModelValue("computeCost", spec.computeCost ?? DEFAULTS.computeCost),
    ...(spec.dirtyIntensity === undefined ? {} : { dirtyIntensity: checkModelValue("dirtyIntensity", spec.dirtyIntensity) }),
  };
}
