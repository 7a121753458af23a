import type { Budget } from "./budget.ts";
import { ConstraintIndex } from "./constraint-index.ts";
import { chooseEvictions } from "./evict.ts";
import type { Placement } from "./placement.ts";
import { Usage } from "./targets.ts";

/** How one placement attempt may differ from the first (see solve's retries). */
export interface PlacerOptions {
  /** A VM is ejected at most this many times, so the repair terminates (3 on the first attempt). */
  readonly maxEjections: number;
  /** Node to start the next-fit scan from. */
  readonly cursor: number;
  /** Destinations that led to a dead end before: taken only when nothing else fits. */
  readonly avoid?: (vm: number, node: number) => boolean;
  /** May empty a whole node for a VM that no capacity ejection helps. */
  readonly clearNodes?: boolean;
}

export const FIRST_ATTEMPT: PlacerOptions = { maxEjections: 3, cursor: 0 };

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
  private cursor: number;
  private readonly ejected: Uint8Array;

  constructor(
    readonly pl: Placement,
    readonly budget: Budget,
    private readonly options: PlacerOptions = FIRST_ATTEMPT,
  ) {
    const p = pl.problem;
    this.accepting = new ConstraintIndex(p, (c) => c.accepts !== undefined);
    this.ejected = new Uint8Array(p.vms.length);
    this.cursor = options.cursor;
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

  /**
   * Finds a node for `vm`; false when none can host it, even after ejections.
   * Avoided nodes come last: after ejecting VMs from another node.
   */
  placeOne(vm: number, queue: number[]): boolean {
    const p = this.pl.problem;
    const avoid = this.options.avoid;
    const home = p.vmStatus[vm] === "running" ? p.host[vm] : -1;
    if (home >= 0 && this.canHost(vm, home)) {
      this.assign(vm, home);
      return true;
    }
    const n = p.nodes.length;
    let fallback = -1;
    let avoided = -1;
    for (let i = 0; i < n; i++) {
      const node = (this.cursor + i) % n;
      if (node === home || !this.canHost(vm, node)) continue;
      if (avoid?.(vm, node)) {
        if (avoided < 0) avoided = node;
        continue;
      }
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
    if (avoided >= 0 && this.eject(vm, queue, (node) => !avoid?.(vm, node))) return true;
    if (avoided >= 0) {
      this.assign(vm, avoided);
      return true;
    }
    return this.eject(vm, queue, () => true) || (this.options.clearNodes === true && this.clearNode(vm, queue));
  }

  /**
   * Gives `vm` another final node among those `ok` accepts (the planner's
   * way out of a dependency cycle); returns it, or -1 leaving `vm` where it was.
   */
  reroute(vm: number, ok: (node: number) => boolean): number {
    const from = this.pl.host[vm];
    this.release(vm);
    for (let node = 0; node < this.pl.problem.nodes.length; node++) {
      if (node === from || !ok(node) || !this.canHost(vm, node)) continue;
      this.assign(vm, node);
      return node;
    }
    this.assign(vm, from);
    return -1;
  }

  /**
   * Last resort of the revisions: empties the node whose movable VMs cost
   * least to move when that lets `vm` in (what lonely, split or spread
   * need when capacity alone is not the obstacle); they join `queue`.
   */
  private clearNode(vm: number, queue: number[]): boolean {
    const { problem: p, targets: t } = this.pl;
    let bestNode = -1;
    let bestCost = Infinity;
    for (let node = 0; node < p.nodes.length; node++) {
      if (!t.nodeOnline[node]) continue;
      const victims = this.ejectable(node);
      const cost = victims.reduce((s, v) => s + p.durations.migrate[v], 0);
      if (victims.length === 0 || cost >= bestCost) continue;
      for (const v of victims) this.pl.unplace(v);
      if (this.canHost(vm, node)) {
        bestNode = node;
        bestCost = cost;
      }
      for (const v of victims) this.pl.place(v, node);
    }
    return bestNode >= 0 && this.takeAfter(vm, bestNode, this.ejectable(bestNode), queue);
  }

  /** VMs the repair may still eject from `node`. */
  private ejectable(node: number): number[] {
    return this.pl.vmsOn(node).filter((v) => !this.pl.targets.pinned[v] && this.ejected[v] < this.options.maxEjections);
  }

  /** Ejects `victims` (they join `queue`), then places `vm` on `node` if it may go there now. */
  private takeAfter(vm: number, node: number, victims: readonly number[], queue: number[]): boolean {
    for (const v of victims) {
      this.release(v);
      this.ejected[v]++;
      queue.push(v);
    }
    if (!this.canHost(vm, node)) return false;
    this.assign(vm, node);
    return true;
  }

  /** Makes room for `vm` on the node (among `allowed`) where evicting costs least; the evicted VMs join `queue`. */
  private eject(vm: number, queue: number[], allowed: (node: number) => boolean): boolean {
    const { problem: p, targets: t } = this.pl;
    let bestNode = -1;
    let bestCost = Infinity;
    let bestVictims: number[] = [];
    for (let node = 0; node < p.nodes.length; node++) {
      if (!t.nodeOnline[node] || !allowed(node) || !this.accepting.every(vm, node, (c) => c.accepts?.(this.pl, vm, node) ?? true)) continue;
      const victims = this.ejectable(node);
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
    return bestNode >= 0 && this.takeAfter(vm, bestNode, bestVictims, queue);
  }
}

function fitsWithout(pl: Placement, vm: number, node: number, gone: readonly number[]): boolean {
  const { demand, capacity } = pl.targets;
  return pl.used.every((u, r) => {
    const freed = gone.reduce((s, v) => s + demand[r][v], 0);
    return u[node] - freed + demand[r][vm] <= capacity[r][node] + 1e-9;
  });
}
