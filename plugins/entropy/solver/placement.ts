import type { Problem } from "../model/problem.ts";
import { Usage, type Targets } from "./targets.ts";

/**
 * The final configuration under construction: each running VM's host, and per
 * node the summed final demand and the VMs there (kept with swap-remove so
 * moves are O(1)).
 */
export class Placement {
  readonly host: Int32Array;
  private readonly load: Usage;
  /** Bumped on every change, so constraints can cache sums over node groups. */
  version = 0;
  private readonly lists: number[][];
  private readonly slot: Int32Array;

  constructor(
    readonly problem: Problem,
    readonly targets: Targets,
  ) {
    this.host = new Int32Array(problem.vms.length).fill(-1);
    this.load = new Usage(targets, problem.nodes.length);
    this.lists = problem.nodes.map(() => []);
    this.slot = new Int32Array(problem.vms.length).fill(-1);
  }

  /** Copies another placement's assignment (same problem and targets). */
  static copy(from: Placement): Placement {
    const p = new Placement(from.problem, from.targets);
    from.host.forEach((n, v) => {
      if (n >= 0) p.place(v, n);
    });
    return p;
  }

  vmsOn(node: number): readonly number[] {
    return this.lists[node];
  }

  place(vm: number, node: number): void {
    if (this.host[vm] >= 0) this.unplace(vm);
    this.version++;
    this.host[vm] = node;
    const list = this.lists[node];
    this.slot[vm] = list.length;
    list.push(vm);
    this.load.add(vm, node);
  }

  unplace(vm: number): void {
    const node = this.host[vm];
    if (node < 0) return;
    this.version++;
    const list = this.lists[node];
    const last = list.pop() as number;
    if (last !== vm) {
      list[this.slot[vm]] = last;
      this.slot[last] = this.slot[vm];
    }
    this.slot[vm] = -1;
    this.host[vm] = -1;
    this.load.add(vm, node, -1);
  }

  /** True when `vm` fits on `node` by every resource (final capacities). */
  fits(vm: number, node: number): boolean {
    return this.load.fits(vm, node);
  }

  /** used[r][node], with final demands. */
  get used(): readonly Float64Array[] {
    return this.load.used;
  }

  /** Resources by which `node` exceeds its capacity (0 where it does not). */
  excess(node: number): number[] {
    const { capacity } = this.targets;
    return this.used.map((u, r) => Math.max(0, u[node] - capacity[r][node]));
  }
}
