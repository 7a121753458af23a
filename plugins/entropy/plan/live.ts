import type { Problem } from "../model/problem.ts";
import { Usage, type Targets } from "../solver/targets.ts";

export type NodePhase = "on" | "off" | "booting" | "halting";

/**
 * The datacenter at one instant of the plan. A migrating VM is present on
 * both its source and its destination (it holds resources on both); a node
 * counts as online from the start of its boot to the end of its shutdown.
 */
export class Live {
  private readonly load: Usage;
  readonly phase: NodePhase[];
  private readonly present: Set<number>[];
  private readonly where: number[][];

  constructor(
    readonly problem: Problem,
    readonly targets: Targets,
  ) {
    this.load = new Usage(targets, problem.nodes.length);
    this.present = problem.nodes.map(() => new Set<number>());
    this.where = problem.vms.map(() => []);
    this.phase = problem.nodeOnline.map((on) => (on ? "on" : "off"));
    problem.host.forEach((n, v) => {
      if (n >= 0 && problem.vmStatus[v] === "running") this.add(v, n);
    });
  }

  presentOn(node: number): ReadonlySet<number> {
    return this.present[node];
  }

  isPresent(vm: number, node: number): boolean {
    return this.present[node].has(vm);
  }

  /** Nodes `vm` is present on: none, one, or two while it migrates. */
  nodesOf(vm: number): readonly number[] {
    return this.where[vm];
  }

  add(vm: number, node: number): void {
    this.present[node].add(vm);
    this.where[vm].push(node);
    this.load.add(vm, node);
  }

  remove(vm: number, node: number): void {
    this.present[node].delete(vm);
    this.where[vm] = this.where[vm].filter((n) => n !== node);
    this.load.add(vm, node, -1);
  }

  /** True when `vm` can start arriving on `node` without exceeding its capacity. */
  hasRoom(vm: number, node: number): boolean {
    return this.load.fits(vm, node);
  }

  /** usage[r][node] at this instant. */
  get usage(): readonly Float64Array[] {
    return this.load.used;
  }

  /** Counts towards maxOnline: on, booting or halting. */
  isUp(node: number): boolean {
    return this.phase[node] !== "off";
  }
}
