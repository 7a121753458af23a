import type { Problem } from "../model/problem.ts";
import type { Bounds, LinearModel, Term } from "./constraint.ts";

/** Index of resource `rc`; prepare/accepts only run on problems whose builder declared it. */
export function rcIndex(p: Pick<Problem, "resources">, rc: string): number {
  const r = p.resources.indexOf(rc);
  if (r < 0) throw new Error(`resource '${rc}' missing from the problem`);
  return r;
}

/** The first resource by which the running VMs of `vms` need more than `nodes` offer beside pinned VMs, as "cpu 12 > 10", or null. */
export function overflow(b: Bounds, vms: readonly number[], nodes: readonly number[]): string | null {
  const running = vms.filter((v) => b.runs(v));
  for (let r = 0; r < b.problem.resources.length; r++) {
    const need = running.reduce((s, v) => s + b.targets.demand[r][v], 0);
    const offer = nodes.reduce((s, n) => s + Math.max(0, b.free(r, n)), 0);
    if (need > offer + 1e-9) return `${b.describe(r, need)} > ${Math.round(offer * 1000) / 1000}`;
  }
  return null;
}

/** The terms saying how many of `vms` end on `node`, plus how many fixed ones are there already. */
export function presence(m: LinearModel, vms: Iterable<number>, node: number): { terms: Term[]; fixed: number } {
  const terms: Term[] = [];
  let fixed = 0;
  for (const v of vms) {
    if (m.fixedOn(v) === node) fixed++;
    const x = m.x(v, node);
    if (x) terms.push([1, x]);
  }
  return { terms, fixed };
}

/** Nodes where any of `vms` may end (free: candidates; fixed: its node). */
export function reachable(m: LinearModel, vms: Iterable<number>): Set<number> {
  const nodes = new Set<number>();
  for (const v of vms) {
    const f = m.fixedOn(v);
    if (f >= 0) nodes.add(f);
    else if (f === -1) for (const n of m.candidates(v)) nodes.add(n);
  }
  return nodes;
}

/** Groups `vms` by the node they are placed on (skipping unplaced ones). */
export function byHost(vms: readonly number[], host: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const v of vms) {
    const n = host[v];
    if (n < 0) continue;
    const g = groups.get(n);
    if (g) g.push(v);
    else groups.set(n, [v]);
  }
  return groups;
}

/** The key holding the most items (lowest key on ties), or undefined when empty. */
export function largest<K extends number>(groups: Map<K, readonly number[]>): K | undefined {
  let best: K | undefined;
  for (const [k, g] of groups) {
    const size = best === undefined ? -1 : (groups.get(best) as readonly number[]).length;
    if (g.length > size || (g.length === size && k < (best as K))) best = k;
  }
  return best;
}
