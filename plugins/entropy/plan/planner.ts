import type { Constraint } from "../constraints/constraint.ts";
import type { Budget } from "../solver/budget.ts";
import { ConstraintIndex } from "../solver/constraint-index.ts";
import type { Placement } from "../solver/placement.ts";
import type { Placer } from "../solver/placer.ts";
import { summarize, type Action, type Plan } from "./actions.ts";
import { EventHeap } from "./event-heap.ts";
import { Live } from "./live.ts";

/** A VM that must start running on `to`: migrated from `from`, booted or resumed. */
interface Arrival {
  readonly vm: number;
  from: number;
  to: number;
  readonly kind: "migrate" | "boot" | "resume";
}

const EPS = 1e-9;

/** A move still waiting when planning gave up: the placement should avoid sending `vm` to `to`. */
export interface StuckMove {
  readonly vm: number;
  readonly to: number;
}

/** A plan, or the moves that were left waiting on each other. */
export type Planned = { readonly plan: Plan; readonly stuck?: undefined } | { readonly plan: null; readonly stuck: readonly StuckMove[] };

/**
 * Turns a final configuration into a schedule (list scheduling on a
 * simulated timeline): departures start at once; an arrival starts as soon as
 * its destination is online, has room and the continuous constraints admit
 * it; shorter actions go first. When nothing runs and nothing can start, the
 * moves wait on each other in a cycle: one of them is sent instead to
 * another final node that has room now (with `placer`, which changes the
 * placement), else goes through a pivot node first. Fails, naming the
 * waiting moves, when neither exists.
 */
export function planReconfiguration(pl: Placement, budget: Budget, placer?: Placer): Planned {
  return new Planner(pl, budget, placer).run();
}

class Planner {
  private readonly live: Live;
  private readonly admitters: ConstraintIndex;
  private readonly bootAdmitters: Constraint[];
  private readonly heap = new EventHeap();
  private readonly actions: Action[] = [];
  private readonly waitNode: Arrival[][];
  private waitConstraint: Arrival[] = [];
  private readonly dirty = new Set<number>();
  private pendingBoots: number[] = [];
  private readonly leaving: Int32Array;
  private now = 0;
  /** Pivots left before giving up: each VM may detour at most twice, so planning always ends. */
  private pivots = 0;

  constructor(
    private readonly pl: Placement,
    private readonly budget: Budget,
    private readonly placer: Placer | undefined,
  ) {
    const p = pl.problem;
    this.live = new Live(p, pl.targets);
    this.admitters = new ConstraintIndex(p, (c) => c.continuous && c.admits !== undefined);
    this.bootAdmitters = p.constraints.filter((c) => c.continuous && c.admitsNodeBoot !== undefined);
    this.waitNode = p.nodes.map(() => []);
    this.leaving = new Int32Array(p.nodes.length);
  }

  run(): Planned {
    const { problem: p, targets: t } = this.pl;
    this.budget.charge(p.nodes.length + p.vms.length);
    const dur = p.durations;
    const arrivals: Arrival[] = [];
    for (let v = 0; v < p.vms.length; v++) {
      const src = p.host[v];
      const status = p.vmStatus[v];
      const goal = t.vmStatus[v];
      const dst = this.pl.host[v];
      if (status === "running" && goal === "running") {
        if (dst !== src) {
          this.leaving[src]++;
          arrivals.push({ vm: v, from: src, to: dst, kind: "migrate" });
        }
      } else if (goal === "running") {
        arrivals.push({ vm: v, from: src, to: dst, kind: status === "sleeping" ? "resume" : "boot" });
      } else if (goal !== status) {
        const kind = goal === "killed" ? "kill" : goal === "sleeping" ? "suspend" : "shutdown";
        this.depart(v, src, kind, dur.shutdownVm[v]);
      }
    }
    for (let n = 0; n < p.nodes.length; n++) {
      if (!p.nodeOnline[n] && t.nodeOnline[n]) this.pendingBoots.push(n);
      else if (p.nodeOnline[n] && !t.nodeOnline[n] && this.leaving[n] === 0) this.haltNode(n);
    }
    this.tryBoots();
    arrivals.sort((a, b) => this.duration(a) - this.duration(b) || a.vm - b.vm);
    this.pivots = 2 * arrivals.length;
    for (const a of arrivals) this.tryArrival(a);

    while (this.heap.size > 0 || this.waiting()) {
      if (this.heap.size === 0 && !this.reroute() && !this.pivot()) return { plan: null, stuck: this.blocked().map((a) => ({ vm: a.vm, to: a.to })) };
      this.now = this.heap.peekTime();
      while (this.heap.size > 0 && this.heap.peekTime() <= this.now + EPS) this.heap.pop()();
      this.retry();
    }
    return { plan: summarize(this.actions) };
  }

  private duration(a: Arrival): number {
    const d = this.pl.problem.durations;
    return a.kind === "migrate" ? d.migrate[a.vm] : d.bootVm[a.vm];
  }

  private waiting(): boolean {
    return this.pendingBoots.length > 0 || this.waitConstraint.length > 0 || this.waitNode.some((w) => w.length > 0);
  }

  /** A VM stops on its node (shutdown, kill, suspend): it holds its resources until the end. */
  private depart(vm: number, node: number, kind: "shutdown" | "kill" | "suspend", seconds: number): void {
    if (node >= 0) this.leaving[node]++;
    const end = this.now + seconds;
    this.actions.push({ kind, vm, node, start: this.now, end });
    if (node < 0) return;
    this.heap.push(end, () => {
      if (this.live.isPresent(vm, node)) this.live.remove(vm, node);
      this.left(node);
    });
  }

  private left(node: number): void {
    this.dirty.add(node);
    if (--this.leaving[node] === 0 && !this.pl.targets.nodeOnline[node]) this.haltNode(node);
  }

  private haltNode(node: number): void {
    const end = this.now + this.pl.problem.durations.shutdownNode[node];
    this.live.phase[node] = "halting";
    this.actions.push({ kind: "shutdownNode", node, start: this.now, end });
    this.heap.push(end, () => {
      this.live.phase[node] = "off";
    });
  }

  private tryBoots(): void {
    const still: number[] = [];
    for (const n of this.pendingBoots) {
      if (!this.bootAdmitters.every((c) => c.admitsNodeBoot?.(this.live, n) ?? true)) {
        still.push(n);
        continue;
      }
      const end = this.now + this.pl.problem.durations.bootNode[n];
      this.live.phase[n] = "booting";
      this.actions.push({ kind: "bootNode", node: n, start: this.now, end });
      this.heap.push(end, () => {
        this.live.phase[n] = "on";
        this.dirty.add(n);
      });
    }
    this.pendingBoots = still;
  }

  private admitted(vm: number, node: number): boolean {
    return this.admitters.every(vm, node, (c) => c.admits?.(this.live, vm, node) ?? true);
  }

  private tryArrival(a: Arrival): void {
    this.budget.charge(1);
    if (this.live.phase[a.to] !== "on" || !this.live.hasRoom(a.vm, a.to)) {
      this.waitNode[a.to].push(a);
    } else if (!this.admitted(a.vm, a.to)) {
      this.waitConstraint.push(a);
    } else {
      this.start(a, a.to, () => undefined);
    }
  }

  /** Starts moving `a.vm` to `to` (its destination or a pivot); `then` runs at the end. */
  private start(a: Arrival, to: number, then: () => void): void {
    const end = this.now + this.duration(a);
    this.live.add(a.vm, to);
    if (a.kind === "migrate") {
      this.actions.push({ kind: "migrate", vm: a.vm, from: a.from, to, start: this.now, end });
    } else {
      this.actions.push({ kind: a.kind, vm: a.vm, node: to, start: this.now, end });
    }
    const from = a.from;
    this.heap.push(end, () => {
      if (a.kind === "migrate") {
        this.live.remove(a.vm, from);
        this.left(from);
      }
      then();
    });
  }

  private retry(): void {
    this.tryBoots();
    const constrained = this.waitConstraint;
    this.waitConstraint = [];
    for (const n of this.dirty) {
      const list = this.waitNode[n].splice(0);
      for (const a of list) this.tryArrival(a);
    }
    this.dirty.clear();
    for (const a of constrained) this.tryArrival(a);
  }

  private blocked(): Arrival[] {
    return [...this.waitConstraint, ...this.waitNode.flat()];
  }

  /** Breaks a dependency cycle without an extra leg: one waiting VM gets another final node that has room for it now. */
  private reroute(): boolean {
    const placer = this.placer;
    if (!placer || this.pivots <= 0) return false;
    for (const a of this.blocked()) {
      const to = placer.reroute(a.vm, (n) => n !== a.from && this.live.phase[n] === "on" && this.live.hasRoom(a.vm, n) && this.admitted(a.vm, n));
      if (to < 0) continue;
      this.pivots--;
      this.unqueue(a);
      a.to = to;
      this.tryArrival(a);
      return true;
    }
    for (const a of this.blocked()) if (this.live.phase[a.to] === "on" && this.moveStayer(placer, a)) return true;
    return false;
  }

  /**
   * A chain: a VM that was to stay on the node `a` waits for moves to
   * another node with room now (the placement changes), so `a` may start
   * once it is gone. VMs whose departure alone makes room go first.
   */
  private moveStayer(placer: Placer, a: Arrival): boolean {
    const { problem: p, targets: t } = this.pl;
    const node = a.to;
    const deficit = this.live.usage.map((u, r) => u[node] + t.demand[r][a.vm] - t.capacity[r][node]);
    const stayers = [...this.live.presentOn(node)].filter(
      (v) => p.host[v] === node && this.pl.host[v] === node && !t.pinned[v] && this.live.nodesOf(v).length === 1,
    );
    const covers = (v: number): boolean => deficit.every((x, r) => x <= t.demand[r][v] + EPS);
    stayers.sort((x, y) => Number(covers(y)) - Number(covers(x)) || p.durations.migrate[x] - p.durations.migrate[y] || x - y);
    for (const v of stayers) {
      const to = placer.reroute(v, (n) => n !== node && this.live.phase[n] === "on" && this.live.hasRoom(v, n) && this.admitted(v, n));
      if (to < 0) continue;
      this.pivots--;
      this.leaving[node]++;
      this.start({ vm: v, from: node, to, kind: "migrate" }, to, () => undefined);
      return true;
    }
    return false;
  }

  /** Breaks a dependency cycle: moves one waiting VM to a third node that has room now. */
  private pivot(): boolean {
    if (this.pivots-- <= 0) return false;
    const p = this.pl.problem;
    const blocked = this.blocked().filter((a) => a.kind === "migrate");
    for (const a of blocked) {
      for (let n = 0; n < p.nodes.length; n++) {
        this.budget.charge(1);
        if (n === a.from || n === a.to || this.live.phase[n] !== "on" || !this.pl.targets.nodeOnline[n]) continue;
        if (!this.live.hasRoom(a.vm, n) || !this.admitted(a.vm, n)) continue;
        this.unqueue(a);
        // The source is left once the VM reaches the pivot; count the second leg as a departure from the pivot.
        this.leaving[n]++;
        this.start(a, n, () => {
          a.from = n;
          this.tryArrival(a);
        });
        return true;
      }
    }
    return false;
  }

  private unqueue(a: Arrival): void {
    this.waitConstraint = this.waitConstraint.filter((x) => x !== a);
    const list = this.waitNode[a.to];
    const i = list.indexOf(a);
    if (i >= 0) list.splice(i, 1);
  }
}
