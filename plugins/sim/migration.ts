import type { MigrationResult, Seconds } from "../../engine/cluster.ts";
import type { FlowNetwork } from "./flows.ts";
import type { EventKernel } from "./kernel.ts";
import { MILLI, type Platform } from "./platform.ts";

export interface MigrationModel {
  /** Configured migration speed S, bytes/s (caps each migration's bandwidth). */
  readonly speed: number;
  /** One-way latency of a link; a path between two PMs crosses two links. */
  readonly linkLatency: Seconds;
  /** Maximum downtime used for the stop-and-copy threshold (SimGrid: 30 ms). */
  readonly maxDowntime: Seconds;
  /** Stage-2 rounds allowed before giving up as "not-converged". */
  readonly maxRounds: number;
  /** Working set as a fraction of memory (bounds what one round can dirty). */
  readonly workingSetRatio: number;
}

const MIB = 1024 * 1024;

type Stage = "precopy" | "rounds" | "stop-and-copy";

interface Migration {
  readonly vm: number;
  readonly from: number;
  readonly to: number;
  readonly start: Seconds;
  readonly latency: Seconds;
  readonly done: (result: MigrationResult) => void;
  stage: Stage;
  rounds: number;
  /** Bytes of the transfer in progress and when it started (its latency included). */
  bytes: number;
  transferStart: Seconds;
  /** Bytes dirtied since the transfer in progress started, integrated over load changes. */
  dirtied: number;
  dirtyUpdated: Seconds;
  downtimeStart: Seconds;
  flow: number;
  timer: { slot: number; generation: number };
}

/**
 * Pre-copy live migration as SimGrid's VM live-migration plugin (docs/simulation.md).
 *
 * Each transfer of x bytes takes L + x/b: a latency wait (L = two link
 * latencies, src NIC then dst NIC), then a flow in the FlowNetwork, which
 * gives it b = min(S, fair share of both NICs) and re-rates it whenever a
 * flow starts or ends on a shared link. While a transfer runs, the VM
 * dirties memory at r = p * u * S (u the CPU it obtains, in cores: its fair
 * share on an overcommitted node), integrated piecewise over every change
 * of the shares on its node. Stage 1 sends M; each stage-2 round resends what the
 * previous transfer let dirty, min(dirtied, 0.9 M), while that exceeds
 * (bytes / duration of the last transfer) * 30 ms; past `maxRounds` the
 * migration stops as "not-converged" and the VM stays on its source.
 * Stage 3 suspends the VM (its CPU goes to its neighbours) and sends the
 * rest (the downtime), then one more L acknowledges and the VM switches host.
 *
 * Destination memory is reserved at start (a migration that does not fit
 * is "rejected") and the VM keeps its CPU demand on its source until the
 * switch.
 */
export class MigrationEngine {
  private readonly byVm = new Map<number, Migration>();
  /** In-flight migrations by source node: the ones whose dirtying a CPU-share change there affects. */
  private readonly bySource = new Map<number, Set<Migration>>();
  readonly results: MigrationResult[] = [];

  constructor(
    private readonly kernel: EventKernel,
    private readonly platform: Platform,
    private readonly flows: FlowNetwork,
    private readonly model: MigrationModel,
  ) {
    platform.beforeShareChange = (node) => {
      if (this.bySource.size === 0) return; // the common case, without hashing the node
      const leaving = this.bySource.get(node);
      if (leaving) for (const m of leaving) this.accumulateDirty(m);
    };
  }

  get inFlight(): number {
    return this.byVm.size;
  }

  start(vm: number, to: number, done: (result: MigrationResult) => void): void {
    const p = this.platform;
    const from = p.vmNode[vm];
    const now = this.kernel.now();
    const refuse = (outcome: "rejected" | "failed", reason: string): void => {
      const result: MigrationResult = { vm: p.vmNames.name(vm), from: p.nodeNames.name(from), to: p.nodeNames.name(to), start: now, end: now, downtime: 0, rounds: 0, outcome, reason };
      // Reported from an event, never re-entrantly, like every other outcome.
      this.kernel.schedule(0, () => this.finish(result, done));
    };
    if (p.vmMigrating[vm] === 1) return refuse("rejected", "already migrating");
    if (from === to) return refuse("rejected", "already on the destination");
    if (p.online[from] === 0) return refuse("failed", "source node is down");
    if (p.online[to] === 0) return refuse("failed", "destination node is down");
    if (p.freeMemoryMiB(to) < p.vmMemoryMiB[vm]) return refuse("rejected", "not enough free memory on the destination");
    p.reserveMemory(to, p.vmMemoryMiB[vm]);
    p.vmMigrating[vm] = 1;
    const m: Migration = {
      vm, from, to, start: now, latency: 2 * this.model.linkLatency, done,
      stage: "precopy", rounds: 0, bytes: 0, transferStart: now, dirtied: 0, dirtyUpdated: now, downtimeStart: 0,
      flow: -1, timer: { slot: -1, generation: 0 },
    };
    this.byVm.set(vm, m);
    let leaving = this.bySource.get(from);
    if (!leaving) this.bySource.set(from, (leaving = new Set()));
    leaving.add(m);
    this.transfer(m, p.vmMemoryMiB[vm] * MIB);
  }

  /** Fails every migration from or to `node` (it crashed); the VM stays where it was. */
  failNode(node: number): void {
    for (const m of [...this.byVm.values()]) {
      if (m.from !== node && m.to !== node) continue;
      this.kernel.cancel(m.timer.slot, m.timer.generation);
      if (m.flow >= 0) this.flows.abort(m.flow);
      this.end(m, "failed", "node crashed");
    }
  }

  /**
   * SimGrid's dirty-page rate: p * S bytes per core-second the VM actually
   * computes (its obtained CPU, not its demand), so VMs of an overcommitted
   * node dirty memory more slowly.
   */
  private dirtyRate(vm: number): number {
    const p = this.platform;
    return p.vmDirtyIntensity[vm] * this.model.speed * (p.obtainedMilli(vm) / MILLI);
  }

  private accumulateDirty(m: Migration): void {
    const now = this.kernel.now();
    m.dirtied += this.dirtyRate(m.vm) * (now - m.dirtyUpdated);
    m.dirtyUpdated = now;
  }

  /** Sends `bytes`: latency first, then the bytes as a shared flow. */
  private transfer(m: Migration, bytes: number): void {
    const now = this.kernel.now();
    m.bytes = bytes;
    m.transferStart = now;
    m.dirtied = 0;
    m.dirtyUpdated = now;
    m.flow = -1;
    m.timer.slot = this.kernel.schedule(m.latency, () => {
      m.timer.slot = -1;
      if (bytes <= 0) return this.transferred(m);
      m.flow = this.flows.start([2 * m.from, 2 * m.to + 1], bytes, this.model.speed, () => {
        m.flow = -1;
        this.transferred(m);
      });
    });
    m.timer.generation = this.kernel.generation(m.timer.slot);
  }

  private transferred(m: Migration): void {
    const now = this.kernel.now();
    if (m.stage === "stop-and-copy") {
      const downtime = now - m.downtimeStart;
      m.timer.slot = this.kernel.schedule(m.latency, () => {
        this.platform.moveVm(m.vm, m.to);
        this.end(m, "ok", undefined, downtime);
      });
      m.timer.generation = this.kernel.generation(m.timer.slot);
      return;
    }
    this.accumulateDirty(m);
    const duration = now - m.transferStart;
    const threshold = (m.bytes / duration) * this.model.maxDowntime;
    const workingSet = this.model.workingSetRatio * this.platform.vmMemoryMiB[m.vm] * MIB;
    const remaining = Math.min(m.dirtied, workingSet);
    if (remaining > threshold) {
      if (m.rounds >= this.model.maxRounds) return this.end(m, "not-converged", `still ${Math.round(remaining)} bytes to copy after ${m.rounds} rounds`);
      m.rounds++;
      m.stage = "rounds";
    } else {
      m.stage = "stop-and-copy";
      m.downtimeStart = now;
      this.platform.setSuspended(m.vm, true);
    }
    this.transfer(m, remaining);
  }

  private end(m: Migration, outcome: MigrationResult["outcome"], reason?: string, downtime = 0): void {
    const p = this.platform;
    this.byVm.delete(m.vm);
    const leaving = this.bySource.get(m.from) as Set<Migration>;
    leaving.delete(m);
    if (leaving.size === 0) this.bySource.delete(m.from);
    p.vmMigrating[m.vm] = 0;
    p.setSuspended(m.vm, false);
    // The reservation on the destination became the VM's own memory on success; otherwise it is returned.
    if (outcome !== "ok") p.reserveMemory(m.to, -p.vmMemoryMiB[m.vm]);
    const result: MigrationResult = {
      vm: p.vmNames.name(m.vm), from: p.nodeNames.name(m.from), to: p.nodeNames.name(m.to), start: m.start, end: this.kernel.now(),
      downtime, rounds: m.rounds, outcome, ...(reason === undefined ? {} : { reason }),
    };
    this.finish(result, m.done);
  }

  private finish(result: MigrationResult, done: (result: MigrationResult) => void): void {
    this.results.push(result);
    done(result);
  }
}
