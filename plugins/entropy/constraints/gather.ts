import type { Live } from "../plan/live.ts";
import type { Placement } from "../solver/placement.ts";
import type { Bounds, Constraint, ConstraintKind, LinearModel, Term } from "./constraint.ts";
import { VmSetConstraint } from "./vm-set.ts";
import { byHost, largest, overflow, reachable } from "./support.ts";

/** The running VMs of the set share one node. */
export class Gather extends VmSetConstraint implements Constraint {
  readonly id = "gather";

  misplaced(pl: Placement): number[] {
    const groups = byHost(this.vms, pl.host);
    const keep = largest(groups);
    return [...groups].filter(([n]) => n !== keep).flatMap(([, g]) => g);
  }

  accepts(pl: Placement, vm: number, node: number): boolean {
    return this.vms.every((o) => o === vm || pl.host[o] < 0 || pl.host[o] === node);
  }

  violation(pl: Placement): string | null {
    const nodes = [...byHost(this.vms, pl.host).keys()];
    return nodes.length <= 1 ? null : `gather: the VMs run on ${nodes.length} nodes`;
  }

  infeasible(b: Bounds): string | null {
    const running = this.vms.filter((v) => b.runs(v));
    if (running.length < 2) return null;
    const common = running.slice(1).reduce((nodes, v) => {
      const mine = new Set(b.allowed(v));
      return nodes.filter((n) => mine.has(n));
    }, b.allowed(running[0]));
    if (common.some((n) => overflow(b, running, [n]) === null)) return null;
    return `gather: no node may host its ${running.length} VMs together (${common.length} nodes may host each of them, none with room for all)`;
  }

  /** Every free VM of the set sits where the first one (or the fixed ones) sit. */
  linear(m: LinearModel): void {
    const fixedNodes = new Set(this.vms.map((v) => m.fixedOn(v)).filter((n) => n >= 0));
    const free = this.vms.filter((v) => m.fixedOn(v) === -1);
    if (fixedNodes.size > 1) return m.row([], "<=", -1);
    if (fixedNodes.size === 1) {
      const [node] = fixedNodes;
      for (const v of free) {
        const x = m.x(v, node);
        m.row(x ? [[1, x]] : [], "=", 1);
      }
      return;
    }
    for (const v of free.slice(1)) {
      for (const n of reachable(m, [free[0], v])) {
        const a = m.x(free[0], n);
        const b = m.x(v, n);
        const terms: Term[] = [];
        if (a) terms.push([1, a]);
        if (b) terms.push([-1, b]);
        m.row(terms, "=", 0);
      }
    }
  }

  /** At every instant all running set VMs are on one node, so a VM already running elsewhere may not join. */
  admits(live: Live, vm: number, node: number): boolean {
    const others = this.vms.filter((o) => o !== vm && live.nodesOf(o).length > 0);
    if (others.length > 0 && live.nodesOf(vm).length > 0) return false;
    return others.every((o) => live.nodesOf(o).length === 1 && live.isPresent(o, node));
  }
}

export const gather: ConstraintKind = {
  id: "gather",
  parse: (c) => new Gather(c.vms("vms"), c.continuous()),
};
