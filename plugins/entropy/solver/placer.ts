import type { Budget } from "./budget.ts";
import { ConstraintIndex } from "./constraint-index.ts";
import { chooseEvictions } from "./evict.ts";
import type { Placement } from "./placement.ts";
import { Usage } from "./targets.ts";

/** A VM is ejected at most this many times by the repair, so the repair terminates. */
const MAX_EJECTIONS = 3;

/**
 * Places VMs one by one. A node with room *now* (counting VMs that are still
 * there until they leave) lets the migration start at once, so next-fit over
 * such nodes is optimal for the sum of end times; otherwise the VM takes a
 * node with room in the final configuration, and when none exists the placer
 * ejects the cheapest VMs of the best node (they are queued again).
 */
export class Placer {
  readonly accepting: ConstraintIndex;
  /** Demand present at t = 0 plus arrivals assigned so far. */
  private readonly now: Usage;
  private cursor = 0;
  private readonly ejected: Uint8Array;

  constructor(
    readonly pl: Placement,
    readonly budget: Budget,
  ) {
    const p = pl.problem;
    this.accepting = new ConstraintIndex(p, (c) => c.accepts !== undefined);
    this.ejected = new Uint8Array(p.vms.length);
    this.now = new Usage(pl.targets, p.nodes.length);
    p.host.forEach((n, v) => {
      if (n >= 0 && p.vmStatus[v] === "running") this.now.add(v, n);
    });
  }

  /** Hard requirements for `vm` ending on `node`: online at the end, room, constraints. */
  canHost(vm: number, node: number): boolean {
    this.budget.charge(1);
    return (
      this.pl.targets.nodeOnline[node] &&
      this.pl.fits(vm, node) &&
      this.accepting.every(vm, node, (c) => c.accepts?.(this.pl, vm, node) ?? true)
    );
  }

  /** True when an arrival of `vm` on `node` could start at t = 0. */
  roomNow(vm: number, node: number): boolean {
    const p = this.pl.problem;
    if (!p.nodeOnline[node]) return false;
    if (p.host[vm] === node && p.vmStatus[vm] === "running") return true;
    return this.now.fits(vm, node);
  }

  assign(vm: number, node: number): void {
    this.pl.place(vm, node);
    const p = this.pl.problem;
    if (p.host[vm] !== node || p.vmStatus[vm] !== "running") this.now.add(vm, node);
  }

  release(vm: number): void {
    const node = this.pl.host[vm];
    if (node < 0) return;
    this.pl.unplace(vm);
    const p = this.pl.problem;
    if (p.host[vm] !== node || p.vmStatus[vm] !== "running") this.now.add(vm, node, -1);
  }

  /** Finds a node for `vm`; false when none can host it, even after ejections. */
  placeOne(vm: number, queue: number[]): boolean {
    const p = this.pl.problem;
    const home = p.vmStatus[vm] === "running" ? p.host[vm] : -1;
    if (home >= 0 && this.canHost(vm, home)) {
      this.assign(vm, home);
      return true;
    }
    const n = p.nodes.length;
    let fallback = -1;
    for (let i = 0; i < n; i++) {
      const node = (this.cursor + i) % n;
      if (node === home || !this.canHost(vm, node)) continue;
      if (this.roomNow(vm, node)) {
        this.cursor = node + 1;
        this.assign(vm, node);
        return true;
      }
      if (fallback < 0) fallback = node;
    }
    if (fallback >= 0) {
      this.assign(vm, fallback);
      return true;
    }
    return this.eject(vm, queue);
  }

  /** Makes room for `vm` on the node where evicting costs least; the evicted VMs join `queue`. */
  private eject(vm: number, queue: number[]): boolean {
    const { problem: p, targets: t } = this.pl;
    let bestNode = -1;
    let bestCost = Infinity;
    let bestVictims: number[] = [];
    for (let node = 0; node < p.nodes.length; node++) {
      if (!t.nodeOnline[node] || !this.accepting.every(vm, node, (c) => c.accepts?.(this.pl, vm, node) ?? true)) continue;
      const victims = this.pl.vmsOn(node).filter((v) => !t.pinned[v] && this.ejected[v] < MAX_EJECTIONS);
      const excess = this.pl.used.map((u, r) => u[node] + t.demand[r][vm] - t.capacity[r][node]);
      const chosen = chooseEvictions(victims, excess, (v, r) => t.demand[r][v], (v) => p.durations.migrate[v], this.budget);
      if (!fitsWithout(this.pl, vm, node, chosen)) continue;
      const cost = chosen.reduce((s, v) => s + p.durations.migrate[v], 0);
      if (cost < bestCost) {
        bestCost = cost;
        bestNode = node;
        bestVictims = chosen;
      }
    }
    if (bestNode < 0) return false;
    for (const v of bestVictims) {
      this.release(v);
      this.ejected[v]++;
      queue.push(v);
    }
    if (!this.canHost(vm, bestNode)) return false;
    this.assign(vm, bestNode);
    return true;
  }
}

function fitsWithout(pl: Placement, vm: number, node: number, gone: readonly number[]): boolean {
  const { demand, capacity } = pl.targets;
  return pl.used.every((u, r) => {
    const freed = gone.reduce((s, v) => s + demand[r][v], 0);
    return u[node] - freed + demand[r][vm] <= capacity[r][node] + 1e-9;
  });
}
