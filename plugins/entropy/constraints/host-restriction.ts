import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Constraint, LinearModel } from "./constraint.ts";

/** Common shape of ban and fence: each VM of a set may run only on the nodes `allows` accepts. */
export abstract class HostRestriction implements Constraint {
  abstract readonly id: string;
  readonly scope: { readonly vms: readonly number[] };
  protected readonly nodeSet: Set<number>;

  constructor(
    readonly vms: readonly number[],
    nodes: readonly number[],
    readonly continuous = false,
  ) {
    this.scope = { vms };
    this.nodeSet = new Set(nodes);
  }

  /** Whether the set's VMs may run on `node`. */
  protected abstract allowsNode(node: number): boolean;

  allows(_vm: number, node: number): boolean {
    return this.allowsNode(node);
  }

  misplaced(pl: Placement): number[] {
    return this.vms.filter((v) => pl.host[v] >= 0 && !this.allowsNode(pl.host[v]));
  }

  accepts(_pl: Placement, _vm: number, node: number): boolean {
    return this.allowsNode(node);
  }

  /** `allows` already keeps the forbidden variables out; a fixed VM on a forbidden node makes the model infeasible. */
  linear(m: LinearModel): void {
    if (this.vms.some((v) => m.fixedOn(v) >= 0 && !this.allowsNode(m.fixedOn(v)))) m.row([], "<=", -1);
  }

  violation(pl: Placement): string | null {
    const v = this.misplaced(pl)[0];
    return v === undefined ? null : `${this.id}: VM '${pl.problem.vms[v]}' may not run on node '${pl.problem.nodes[pl.host[v]]}'`;
  }

  admits(_live: Live, _vm: number, node: number): boolean {
    return this.allowsNode(node);
  }
}
