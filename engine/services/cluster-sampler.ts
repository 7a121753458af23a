import type { ClusterRuntime, NodeTraffic, Observation, Seconds, TimerHandle, VmState } from "../cluster.ts";
import { UsageError } from "../errors.ts";
import { round } from "../metrics/stats.ts";
import type { MetricRow } from "../scheduler.ts";

/** Rows of the testbed's own view: per node (where no /proc sampler runs) and per VM. */
export interface ClusterRows {
  readonly nodeRows: readonly MetricRow[];
  readonly vmRows: readonly MetricRow[];
}

export interface ClusterSampling {
  /** Cancels the next sample; the rows so far. */
  stop(): ClusterRows;
}

/**
 * Samples the testbed's runtime view (ClusterRuntime.observe) every `period`
 * seconds of the testbed's clock, on its own timers: the simulator's on sim
 * (the samples fall at exact simulated instants, so a seed gives the same
 * rows), wall-clock ones on real testbeds, where the view is as fresh as the
 * libvirt poller's last `virsh domstats` round (option `pollInterval`). One
 * code for both, as the schedulers have. Samples fall at k·period after the
 * start (k ≥ 1), scheduled from the start so they never drift.
 *
 * Node rows (`keep.nodes`, the testbeds without processes on their hosts):
 * the CPU the node's VMs obtain over its cores, their memory, and the
 * node's traffic where the testbed models it (sim: migrations). VM rows
 * (`keep.vms`): each VM on the nodes, where it is at that instant.
 */
export function startClusterSampler(runtime: ClusterRuntime, nodes: readonly string[], period: Seconds, keep: { readonly nodes: boolean; readonly vms: boolean }): ClusterSampling {
  checkNodes(runtime.observe(), nodes);
  const start = runtime.now();
  const nodeRows: MetricRow[] = [];
  const vmRows: MetricRow[] = [];
  let k = 0;
  let timer: TimerHandle | null = null;
  const next = (): void => {
    // a wall clock late by more than a period skips the instants it missed rather than sampling them in a burst
    k = Math.max(k + 1, Math.floor((runtime.now() - start) / period) + 1);
    timer = runtime.setTimer(start + k * period - runtime.now(), sample);
  };
  const sample = (): void => {
    const o = runtime.observe(nodes);
    const t = round(runtime.now() - start, 6);
    if (keep.nodes) nodeRows.push(...nodeRowsOf(o, t, runtime.traffic?.bind(runtime)));
    if (keep.vms) for (const v of o.vms) vmRows.push(vmRow(v, t));
    next();
  };
  next();
  return {
    stop() {
      timer?.cancel();
      timer = null;
      return { nodeRows, vmRows };
    },
  };
}

function checkNodes(o: Observation, nodes: readonly string[]): void {
  const known = new Set(o.nodes.map((n) => n.name));
  const stranger = nodes.find((n) => !known.has(n));
  if (stranger !== undefined) throw new UsageError(`monitor: '${stranger}' is not a node of this testbed (a node's VMs are sampled with vms: true)`);
}

/**
 * A node's CPU is what its VMs obtain (their demand where the testbed does
 * not tell them apart), over its cores; its traffic is the testbed's model
 * of it at that instant, where it has one.
 */
function nodeRowsOf(o: Observation, t: number, traffic: ((node: string) => NodeTraffic) | undefined): MetricRow[] {
  const used = new Map<string, { cpu: number; mem: number }>();
  for (const v of o.vms) {
    let u = used.get(v.node);
    if (u === undefined) used.set(v.node, (u = { cpu: 0, mem: 0 }));
    u.cpu += v.cpuUse ?? v.cpuDemand;
    u.mem += v.memoryMiB;
  }
  return o.nodes.map((n) => {
    const u = used.get(n.name) ?? { cpu: 0, mem: 0 };
    const row = { host: n.name, t, cpuPct: round((100 * u.cpu) / n.cores), memUsedMiB: u.mem };
    const net = traffic?.(n.name);
    return net ? { ...row, rxKBps: round(net.rxBps / 1024), txKBps: round(net.txBps / 1024) } : row;
  });
}

function vmRow(v: VmState, t: number): MetricRow {
  return {
    vm: v.name,
    node: v.node,
    t,
    cpuDemand: round(v.cpuDemand),
    ...(v.cpuUse === undefined ? {} : { cpuUse: round(v.cpuUse) }),
    memoryMiB: v.memoryMiB,
    migrating: v.migrating ? 1 : 0,
  };
}
