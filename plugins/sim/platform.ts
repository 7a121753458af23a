import type { Seconds } from "../../engine/cluster.ts";
import type { ViolationInterval } from "../../engine/testbed.ts";
import type { EventKernel } from "./kernel.ts";
import { nodeNames, vmNames, type NumberedNames } from "./names.ts";

/** CPU demand is kept in integer millicores so per-node sums are exact and order-independent. */
export const MILLI = 1000;

export interface PlatformSpec {
  readonly nodes: number;
  readonly cores: number;
  readonly memoryMiB: number;
  /** Host node index of each VM at boot. */
  readonly vmNode: Int32Array;
  readonly vmVcpus: number;
  readonly vmMemoryMiB: number;
}

export type LoadListener = (node: string, overloaded: boolean) => void;

/**
 * Placement, demand and memory of every PM and VM, as struct-of-arrays
 * (typed arrays indexed by node or VM number) so 80K VMs cost a few MB.
 * Per-node demand and memory are maintained incrementally; each node keeps
 * a doubly linked list of its VMs so observing a few nodes never scans all
 * VMs. Overload transitions are detected here and recorded as violation
 * intervals.
 */
export class Platform {
  readonly nodeNames: NumberedNames;
  readonly vmNames: NumberedNames;

  readonly cores: Int32Array;
  readonly nodeMemoryMiB: Int32Array;
  /** Memory of hosted VMs plus incoming migrations' reservations. */
  readonly memoryUsedMiB: Int32Array;
  readonly online: Uint8Array;
  readonly demandMilli: Int32Array;
  readonly overloaded: Uint8Array;

  readonly vmVcpus: Int32Array;
  readonly vmMemoryMiB: Int32Array;
  readonly vmDemandMilli: Int32Array;
  /** Dirty-page intensity p (0..1) of each VM. */
  readonly vmDirtyIntensity: Float64Array;
  readonly vmNode: Int32Array;
  readonly vmMigrating: Uint8Array;
  /** 1 while a VM is suspended (stop-and-copy): it obtains no CPU. */
  readonly vmSuspended: Uint8Array;

  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  private readonly openViolation: Int32Array;
  private readonly violationNode: number[] = [];
  private readonly violationStart: number[] = [];
  private readonly violationEnd: number[] = [];
  private readonly listeners: LoadListener[] = [];
  /** Called before the CPU shares on a node may change (migrations integrate dirtied bytes at the old shares). */
  beforeShareChange: ((node: number) => void) | null = null;
  /** Scratch for the fair-share computation, grown on demand. */
  private order = new Int32Array(16);
  /** Bumped whenever a CPU share anywhere may change: the last share level computed stays valid until then. */
  private sharesVersion = 0;
  private levelVersion = -1;
  private levelNode = -1;
  private level = 0;
  /** Sink of the warm-up reads, so the compiler keeps them. */
  private warmth = 0;

  constructor(
    private readonly kernel: EventKernel,
    spec: PlatformSpec,
  ) {
    const n = spec.nodes;
    const v = spec.vmNode.length;
    this.nodeNames = nodeNames(n);
    this.vmNames = vmNames(v);
    this.cores = new Int32Array(n).fill(spec.cores);
    this.nodeMemoryMiB = new Int32Array(n).fill(spec.memoryMiB);
    this.memoryUsedMiB = new Int32Array(n);
    this.online = new Uint8Array(n).fill(1);
    this.demandMilli = new Int32Array(n);
    this.overloaded = new Uint8Array(n);
    this.openViolation = new Int32Array(n).fill(-1);
    this.head = new Int32Array(n).fill(-1);
    this.vmVcpus = new Int32Array(v).fill(spec.vmVcpus);
    this.vmMemoryMiB = new Int32Array(v).fill(spec.vmMemoryMiB);
    this.vmDemandMilli = new Int32Array(v);
    this.vmDirtyIntensity = new Float64Array(v);
    this.vmNode = new Int32Array(v);
    this.vmMigrating = new Uint8Array(v);
    this.vmSuspended = new Uint8Array(v);
    this.next = new Int32Array(v).fill(-1);
    this.prev = new Int32Array(v).fill(-1);
    // Insert in reverse so each node's list is in VM-index (= name) order.
    for (let vm = v - 1; vm >= 0; vm--) {
      const node = spec.vmNode[vm];
      this.vmNode[vm] = node;
      this.link(vm, node);
      this.memoryUsedMiB[node] += spec.vmMemoryMiB;
    }
  }

  get nodeCount(): number {
    return this.cores.length;
  }

  get vmCount(): number {
    return this.vmNode.length;
  }

  onLoadChange(listener: LoadListener): void {
    this.listeners.push(listener);
  }

  /** VMs hosted by `node`, in name order. */
  vmsOf(node: number): number[] {
    const out: number[] = [];
    for (let vm = this.head[node]; vm >= 0; vm = this.next[vm]) out.push(vm);
    return out.sort((a, b) => a - b);
  }

  freeMemoryMiB(node: number): number {
    return this.nodeMemoryMiB[node] - this.memoryUsedMiB[node];
  }

  /** Reads what `setDemand(vm)` reads of the VM (and its vCPUs), so it is in cache by then; changes nothing. */
  warmVm(vm: number): void {
    this.warmth ^= this.vmNode[vm] ^ this.vmDemandMilli[vm] ^ this.vmVcpus[vm];
  }

  /** Reads what `setDemand(vm)` reads of the VM's host; changes nothing. */
  warmNodeOf(vm: number): void {
    const node = this.vmNode[vm];
    this.warmth ^= this.demandMilli[node] ^ this.cores[node] ^ this.online[node] ^ this.overloaded[node];
  }

  setDemand(vm: number, milli: number): void {
    const old = this.vmDemandMilli[vm];
    if (old === milli) return;
    const node = this.vmNode[vm];
    this.beforeShareChange?.(node);
    this.sharesVersion++;
    this.vmDemandMilli[vm] = milli;
    this.demandMilli[node] += milli - old;
    this.refresh(node);
  }

  /** Completes a migration: the VM leaves `from` (whose memory is freed) for its reserved place on `to`. */
  moveVm(vm: number, to: number): void {
    const from = this.vmNode[vm];
    this.beforeShareChange?.(from);
    this.beforeShareChange?.(to);
    this.sharesVersion++;
    this.unlink(vm, from);
    this.link(vm, to);
    this.vmNode[vm] = to;
    this.memoryUsedMiB[from] -= this.vmMemoryMiB[vm];
    const d = this.vmDemandMilli[vm];
    this.demandMilli[from] -= d;
    this.demandMilli[to] += d;
    this.refresh(from);
    this.refresh(to);
  }

  /** Suspends or resumes a VM (pre-copy's stop-and-copy): a suspended VM leaves its CPU share to the others. */
  setSuspended(vm: number, suspended: boolean): void {
    const flag = suspended ? 1 : 0;
    if (this.vmSuspended[vm] === flag) return;
    this.beforeShareChange?.(this.vmNode[vm]);
    this.sharesVersion++;
    this.vmSuspended[vm] = flag;
  }

  /**
   * CPU a VM obtains, in millicores (fractional): its demand while its node's
   * demands fit in its cores, else its weighted max-min fair share of the
   * cores (SimGrid's sharing of a PM among its VMs, each weighted by its
   * vCPUs and bounded by its demand). Nothing while suspended or on a down node.
   */
  obtainedMilli(vm: number): number {
    const node = this.vmNode[vm];
    if (this.vmSuspended[vm] === 1 || this.online[node] === 0) return 0;
    const demand = this.vmDemandMilli[vm];
    if (this.demandMilli[node] <= this.cores[node] * MILLI) return demand;
    if (this.levelVersion !== this.sharesVersion || this.levelNode !== node) {
      // one computation serves every VM of the node (observing it, migrations' dirtying) until a share changes
      this.level = this.shareLevel(node);
      this.levelNode = node;
      this.levelVersion = this.sharesVersion;
    }
    return Math.min(demand, this.vmVcpus[vm] * this.level);
  }

  /**
   * Max-min fair level per vCPU weight on an overcommitted node (progressive
   * filling): VMs whose demand per weight is below the level get their
   * demand; the others get weight x level, which uses up the cores. Demands
   * are integers, so the capacity left is exact whatever the VM order.
   */
  private shareLevel(node: number): number {
    let n = 0;
    for (let vm = this.head[node]; vm >= 0; vm = this.next[vm]) {
      if (this.vmSuspended[vm] === 1) continue;
      if (n === this.order.length) this.growScratch();
      this.order[n++] = vm;
    }
    const demand = this.vmDemandMilli;
    const vcpus = this.vmVcpus;
    // By demand per vCPU, compared exactly on integers.
    const byRatio = this.order.subarray(0, n).sort((a, b) => demand[a] * vcpus[b] - demand[b] * vcpus[a]);
    let capacity = this.cores[node] * MILLI;
    let weight = 0;
    for (let i = 0; i < n; i++) weight += vcpus[byRatio[i]];
    for (let i = 0; i < n; i++) {
      const vm = byRatio[i];
      if (demand[vm] * weight > capacity * vcpus[vm]) return capacity / weight;
      capacity -= demand[vm];
      weight -= vcpus[vm];
    }
    return Infinity;
  }

  private growScratch(): void {
    const order = new Int32Array(this.order.length * 2);
    order.set(this.order);
    this.order = order;
  }

  reserveMemory(node: number, mib: number): void {
    this.memoryUsedMiB[node] += mib;
  }

  setOnline(node: number, online: boolean): void {
    this.beforeShareChange?.(node);
    this.sharesVersion++;
    this.online[node] = online ? 1 : 0;
    this.refresh(node);
  }

  /** Violation intervals in order of occurrence; open ones have end null. */
  violations(): ViolationInterval[] {
    const out: ViolationInterval[] = [];
    for (let i = 0; i < this.violationNode.length; i++) {
      const end = this.violationEnd[i];
      out.push({ node: this.nodeNames.name(this.violationNode[i]), start: this.violationStart[i], end: end < 0 ? null : end });
    }
    return out;
  }

  /** Sum over nodes of time spent overloaded, open intervals counted up to now. */
  violationSeconds(): Seconds {
    const now = this.kernel.now();
    let total = 0;
    for (let i = 0; i < this.violationNode.length; i++) {
      const end = this.violationEnd[i];
      total += (end < 0 ? now : end) - this.violationStart[i];
    }
    return total;
  }

  get violationCount(): number {
    return this.violationNode.length;
  }

  /** Re-evaluates a node's overload state; records intervals and tells listeners on a crossing. */
  private refresh(node: number): void {
    const over = this.online[node] === 1 && this.demandMilli[node] > this.cores[node] * MILLI ? 1 : 0;
    if (over === this.overloaded[node]) return;
    this.overloaded[node] = over;
    const now = this.kernel.now();
    if (over) {
      this.openViolation[node] = this.violationNode.length;
      this.violationNode.push(node);
      this.violationStart.push(now);
      this.violationEnd.push(-1);
    } else {
      this.violationEnd[this.openViolation[node]] = now;
      this.openViolation[node] = -1;
    }
    if (this.listeners.length === 0) return;
    const name = this.nodeNames.name(node);
    for (const listener of this.listeners) listener(name, over === 1);
  }

  private link(vm: number, node: number): void {
    const first = this.head[node];
    this.next[vm] = first;
    this.prev[vm] = -1;
    if (first >= 0) this.prev[first] = vm;
    this.head[node] = vm;
  }

  private unlink(vm: number, node: number): void {
    const p = this.prev[vm];
    const n = this.next[vm];
    if (p >= 0) this.next[p] = n;
    else this.head[node] = n;
    if (n >= 0) this.prev[n] = p;
    this.next[vm] = -1;
    this.prev[vm] = -1;
  }
}
