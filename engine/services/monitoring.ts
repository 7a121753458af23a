import type { ClusterRuntime, Seconds } from "../cluster.ts";
import type { Host } from "../hosts.ts";
import { UsageError } from "../errors.ts";
import type { ProcessRunner } from "../process/index.ts";
import type { MetricRow } from "../scheduler.ts";
import { startClusterSampler, type ClusterSampling } from "./cluster-sampler.ts";
import { startProcSampler } from "./proc-sampler.ts";

export interface MonitorOptions {
  /** Seconds between samples, on the testbed's clock (default 1, at least 0.1). */
  readonly period?: Seconds;
  /** Metrics table the samples go to (default "monitoring"). */
  readonly table?: string;
  /**
   * Also sample the VMs hosted on the monitored nodes, as the testbed sees
   * them (libvirt CPU time on real testbeds, the simulator on sim), into
   * `<table>_vms`. Needs booted VMs (default false).
   */
  readonly vms?: boolean;
}

export interface MonitoringSummary {
  readonly table: string;
  /** Node rows: host, t (s since monitoring started), cpuPct, memUsedMiB, and on hosts sampled through /proc rxKBps, txKBps. */
  readonly rows: readonly MetricRow[];
  readonly samples: number;
  /** CPU the samplers used on the hosts, in % of one core, averaged over the hosts (0 where none runs there: sim). */
  readonly overheadPct: number;
  /** Hosts whose sampler could not run. */
  readonly failed: readonly string[];
  /** `<table>_vms` when VMs were sampled, else null. */
  readonly vmTable: string | null;
  /** VM rows: vm, node, t, cpuDemand, cpuUse (where the testbed tells it apart: sim), memoryMiB, migrating (0/1). */
  readonly vmRows: readonly MetricRow[];
}

export interface Monitoring {
  readonly hosts: readonly string[];
  /** Stops the samplers and returns their rows (once; later calls return the same). */
  stop(): Promise<MonitoringSummary>;
}

/**
 * Where samples come from: each host's /proc over `runner` (testbeds whose
 * hosts run processes), and the testbed's runtime view (`cluster`): node rows
 * where no process runs on the hosts (sim), VM rows everywhere.
 */
export interface MonitorSources {
  readonly runner?: ProcessRunner;
  readonly cluster?: ClusterRuntime;
}

/** Starts sampling `hosts` (and their VMs with `vms: true`) until stop(). */
export function startMonitoring(sources: MonitorSources, hosts: readonly Host[], options: MonitorOptions = {}): Monitoring {
  const period = options.period ?? 1;
  if (!(period >= 0.1)) throw new UsageError(`monitoring period must be at least 0.1 s, got ${period}`);
  const table = options.table ?? "monitoring";
  const vms = options.vms ?? false;
  const names = hosts.map((h) => h.name);
  const fromCluster = { nodes: sources.runner === undefined, vms };
  let cluster: ClusterSampling | null = null;
  if (fromCluster.nodes || vms) {
    if (!sources.cluster) throw new UsageError("monitor: this testbed has no view of its nodes and VMs to sample");
    cluster = startClusterSampler(sources.cluster, names, period, fromCluster);
  }
  const proc = sources.runner ? startProcSampler(sources.runner, hosts, period) : null;
  let stopped: Promise<MonitoringSummary> | null = null;
  return {
    hosts: names,
    stop() {
      stopped ??= (async () => {
        const c = cluster?.stop() ?? { nodeRows: [], vmRows: [] };
        const p = proc ? await proc.stop() : { rows: c.nodeRows, overheadPct: 0, failed: [] };
        return { table, rows: p.rows, samples: p.rows.length, overheadPct: p.overheadPct, failed: p.failed, vmTable: vms ? `${table}_vms` : null, vmRows: c.vmRows };
      })();
      return stopped;
    },
  };
}
