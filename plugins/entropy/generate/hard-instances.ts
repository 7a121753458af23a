import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { PlanActionJson, PlanJson } from "../io/plan-writer.ts";
import { MIGRATION_BYTES_PER_SECOND } from "../model/builder.ts";

/** How a generated instance is made infeasible; the solver's reason must name what the kind names. */
export type InfeasibleKind = "capacity" | "vm-size" | "fence" | "spread" | "gather";

export const INFEASIBLE_KINDS: readonly InfeasibleKind[] = ["capacity", "vm-size", "fence", "spread", "gather"];

export interface HardInstanceOptions {
  readonly nodes: number;
  readonly seed: number;
  /** Mean VMs per node (default 5). */
  readonly vmsPerNode?: number;
  /** Reverse moves per node: how far the start is from a valid state (default 0.6). */
  readonly movesPerNode?: number;
  /** Make the instance infeasible this way (solvable when absent). */
  readonly infeasible?: InfeasibleKind;
}

export interface HardInstance {
  /** BtrPlace JSON instance (cpu and mem views, continuous constraints, minimizeMTTR). */
  readonly instance: Record<string, unknown>;
  /** A valid plan (solvable instances): the proof by construction. */
  readonly witness: PlanJson | null;
  /** What makes the instance infeasible, and a word its reason must contain. */
  readonly infeasible: { readonly kind: InfeasibleKind; readonly names: string } | null;
}

const CPU = 16;
const MEM = 32768;
const GROUP = 8;

interface Presence {
  readonly node: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A seeded hard repair instance, solvable by construction: it packs a tight
 * final configuration (every node within a few CPUs of full), then walks
 * backwards from it, moving VMs away from nodes that are within capacity
 * (so the forward moves, replayed one at a time, each land on a node with
 * room) and, now and then, swapping two VMs through a pivot node (a
 * dependency cycle in the forward plan). The start state is that of the end
 * of the walk: many overloaded nodes. Constraints (mostly continuous) are
 * drawn among those the witness plan satisfies at every instant: spread,
 * among, gather, split, ban, fence, plus preserve (the load increase).
 * With `infeasible`, one more constraint or demand breaks it in a known way.
 */
export function hardInstance(options: HardInstanceOptions): HardInstance {
  const rng = xoroshiro128plus(options.seed);
  const draw = (): number => uniformFloat64(rng);
  const pick = (n: number): number => Math.min(n - 1, Math.floor(draw() * n));
  const N = options.nodes;
  const nodeName = (n: number): string => `node-${n}`;
  const vmName = (v: number): string => `vm-${v}`;

  // Final configuration: tight packing.
  const cpu: number[] = [];
  const mem: number[] = [];
  const finalHost: number[] = [];
  const perNode = options.vmsPerNode ?? 5;
  for (let n = 0; n < N; n++) {
    const target = CPU - pick(3);
    let used = 0;
    for (let k = 0; used < target; k++) {
      const c = Math.min(target - used, 1 + pick(Math.max(1, Math.round((2 * CPU) / perNode) - 1)));
      cpu.push(c);
      mem.push(1024 * (1 + pick(4)));
      finalHost.push(n);
      used += c;
    }
  }
  const V = cpu.length;
  const on: Set<number>[] = Array.from({ length: N }, () => new Set<number>());
  const load = new Float64Array(N);
  finalHost.forEach((n, v) => {
    on[n].add(v);
    load[n] += cpu[v];
  });
  const duration = (v: number): number => (mem[v] * 1048576) / MIGRATION_BYTES_PER_SECOND;

  // Backward walk: each step takes a VM off a node within capacity.
  const forward: { vm: number; from: number; to: number }[] = [];
  const host = [...finalHost];
  const moveBack = (v: number, to: number): boolean => {
    const from = host[v];
    if (from === to || load[from] > CPU + 1e-9) return false;
    on[from].delete(v);
    load[from] -= cpu[v];
    on[to].add(v);
    load[to] += cpu[v];
    host[v] = to;
    forward.push({ vm: v, from: to, to: from });
    return true;
  };
  const near = (n: number): number => (draw() < 0.7 ? Math.min(N - 1, Math.floor(n / GROUP) * GROUP + pick(GROUP)) : pick(N));
  const moves = Math.round(N * (options.movesPerNode ?? 0.6));
  const moved = new Set<number>();
  for (let i = 0; i < moves; i++) {
    const v = pick(V);
    if (moved.has(v)) continue;
    if (draw() < 0.25) {
      // Swap v and w through pivot p: forward w a->p, v b->a, w p->b (a cycle without p).
      const w = pick(V);
      const a = host[v];
      const b = host[w];
      const p = pick(N);
      if (moved.has(w) || a === b || p === a || p === b || load[p] + cpu[w] > CPU) continue;
      if (load[a] > CPU || load[b] > CPU) continue;
      moveBack(w, p);
      moveBack(v, b);
      moveBack(w, a);
      moved.add(v).add(w);
    } else if (moveBack(v, near(host[v]))) moved.add(v);
  }
  forward.reverse();

  // The witness: one move at a time; presence intervals for the constraints.
  const actions: PlanActionJson[] = [];
  const presence: Presence[][] = host.map((n) => [{ node: n, from: 0, to: Infinity }]);
  let t = 0;
  for (const m of forward) {
    const end = t + duration(m.vm);
    actions.push({ action: "migrate", vm: vmName(m.vm), from: nodeName(m.from), to: nodeName(m.to), start: t, end });
    const stay = presence[m.vm];
    stay[stay.length - 1] = { ...stay[stay.length - 1], to: end };
    stay.push({ node: m.to, from: t, to: Infinity });
    t = end;
  }
  const nodesOf = (v: number): Set<number> => new Set(presence[v].map((p) => p.node));
  const overlap = (u: number, w: number): boolean =>
    presence[u].some((a) => presence[w].some((b) => a.node === b.node && a.from < b.to && b.from < a.to));

  // Constraints the witness satisfies at every instant.
  const constraints: Record<string, unknown>[] = [];
  const movedList = [...moved];
  const someVm = (): number => (movedList.length > 0 && draw() < 0.7 ? movedList[pick(movedList.length)] : pick(V));
  const names = (vs: Iterable<number>): string[] => [...vs].map(vmName);
  const nodeNames = (ns: Iterable<number>): string[] => [...ns].map(nodeName);
  const count = Math.max(2, Math.round(N / 4));
  for (let i = 0; i < count; i++) {
    const set = [someVm()];
    for (let tries = 0; tries < 20 && set.length < 2 + pick(3); tries++) {
      const w = someVm();
      if (!set.includes(w) && set.every((u) => !overlap(u, w))) set.push(w);
    }
    if (set.length >= 2) constraints.push({ id: "spread", vms: names(set), continuous: true });
  }
  const groups: number[][] = [];
  for (let g = 0; g * GROUP < N; g++) groups.push(Array.from({ length: Math.min(GROUP, N - g * GROUP) }, (_, k) => g * GROUP + k));
  const groupOf = (n: number): number => Math.floor(n / GROUP);
  for (let i = 0; i < count; i++) {
    const v = someVm();
    const g = groupOf(presence[v][0].node);
    if (![...nodesOf(v)].every((n) => groupOf(n) === g)) continue;
    const set = [v, ...[...on[presence[v][0].node]].filter((w) => w !== v && [...nodesOf(w)].every((n) => groupOf(n) === g)).slice(0, 2)];
    constraints.push({ id: "among", vms: names(set), parts: groups.map(nodeNames), continuous: true });
  }
  for (let i = 0; i < count; i++) {
    const n = pick(N);
    const still = [...on[n]].filter((v) => !moved.has(v));
    if (still.length >= 2) constraints.push({ id: "gather", vms: names(still.slice(0, 2)), continuous: true });
  }
  for (let i = 0; i < count; i++) {
    const a = [someVm()];
    const b = [someVm()];
    const touchA = new Set([...a].flatMap((v) => [...nodesOf(v)]));
    if (a[0] === b[0] || [...nodesOf(b[0])].some((n) => touchA.has(n))) continue;
    constraints.push({ id: "split", parts: [names(a), names(b)], continuous: true });
  }
  for (let i = 0; i < 2 * count; i++) {
    const v = someVm();
    const touched = nodesOf(v);
    const others = Array.from({ length: 1 + pick(Math.max(1, N / 4)) }, () => pick(N)).filter((n) => !touched.has(n));
    if (draw() < 0.5) {
      if (others.length > 0) constraints.push({ id: "ban", vms: [vmName(v)], nodes: nodeNames(new Set(others)), continuous: draw() < 0.5 });
    } else {
      constraints.push({ id: "fence", vms: [vmName(v)], nodes: nodeNames(new Set([...touched, ...others.slice(0, 2)])), continuous: true });
    }
  }
  // Load increase: some VMs consume less now than the final demand preserve gives them.
  const consumption = [...cpu];
  for (let v = 0; v < V; v++) {
    if (cpu[v] > 1 && draw() < 0.3) {
      consumption[v] = cpu[v] - 1;
      constraints.push({ id: "preserve", vm: vmName(v), rc: "cpu", amount: cpu[v] });
    }
  }

  const broken = options.infeasible ? breakInstance(options.infeasible, { draw, pick, V, N, cpu, mem, finalHost, constraints, consumption }) : null;
  const onlineNodes: Record<string, { runningVMs: string[]; sleepingVMs: string[] }> = {};
  for (let n = 0; n < N; n++) onlineNodes[nodeName(n)] = { runningVMs: [], sleepingVMs: [] };
  host.forEach((n, v) => onlineNodes[nodeName(n)].runningVMs.push(vmName(v)));
  const view = (rcId: string, capacity: number, use: readonly number[]) => ({
    id: "shareableResource",
    rcId,
    defConsumption: 0,
    defCapacity: capacity,
    nodes: {},
    vms: Object.fromEntries(use.map((x, v) => [vmName(v), x])),
  });
  const instance = {
    model: {
      mapping: { onlineNodes, offlineNodes: [], readyVMs: [] },
      attributes: { nodes: {}, vms: {} },
      views: [view("cpu", CPU, consumption), view("mem", MEM, mem)],
    },
    constraints,
    objective: { id: "minimizeMTTR" },
  };
  const mapping: Record<string, string[]> = {};
  for (let n = 0; n < N; n++) mapping[nodeName(n)] = [];
  finalHost.forEach((n, v) => mapping[nodeName(n)].push(vmName(v)));
  return {
    instance,
    witness: broken ? null : { mapping, offline: [], ready: [], actions },
    infeasible: broken,
  };
}

interface Parts {
  readonly draw: () => number;
  readonly pick: (n: number) => number;
  readonly V: number;
  readonly N: number;
  readonly cpu: number[];
  readonly mem: number[];
  readonly finalHost: number[];
  readonly constraints: Record<string, unknown>[];
  readonly consumption: number[];
}

/** Adds what makes the instance infeasible; returns the kind and the word the proof must name. */
function breakInstance(kind: InfeasibleKind, x: Parts): { kind: InfeasibleKind; names: string } {
  const vm = (v: number): string => `vm-${v}`;
  const node = (n: number): string => `node-${n}`;
  const v0 = x.pick(x.V);
  // The breaking VMs lose their drawn constraints, so the proof names the intended cause.
  const clear = (vs: readonly number[]): void => {
    const gone = new Set(vs.map(vm));
    const mentions = (c: Record<string, unknown>): boolean => JSON.stringify([c.vms, c.parts]).split('"').some((id) => gone.has(id));
    const kept = x.constraints.filter((c) => c.id === "preserve" || !mentions(c));
    x.constraints.splice(0, x.constraints.length, ...kept);
  };
  switch (kind) {
    case "capacity":
      // Every VM grows by 2 CPUs: more than the slack of at most 2 per node.
      for (let v = 0; v < x.V; v++) x.constraints.push({ id: "preserve", vm: vm(v), rc: "cpu", amount: x.cpu[v] + 2 });
      return { kind, names: "cpu" };
    case "vm-size":
      // More memory than any node has.
      clear([v0]);
      x.constraints.push({ id: "preserve", vm: vm(v0), rc: "mem", amount: MEM + 1024 });
      return { kind, names: vm(v0) };
    case "fence": {
      // Fenced VMs need more memory than their two nodes hold (each fits alone).
      const set = Array.from({ length: Math.min(x.V, (2 * MEM) / 8192 + 2) }, (_, k) => (v0 + k) % x.V);
      clear(set);
      for (const v of set) x.constraints.push({ id: "preserve", vm: vm(v), rc: "mem", amount: 8192 });
      x.constraints.push({ id: "fence", vms: set.map(vm), nodes: [node(x.finalHost[v0]), node((x.finalHost[v0] + 1) % x.N)] });
      return { kind, names: "fence" };
    }
    case "spread": {
      // Three VMs on distinct nodes, fenced to two nodes.
      const set = [v0, (v0 + 1) % x.V, (v0 + 2) % x.V];
      clear(set);
      const nodes = [node(0), node(1)];
      x.constraints.push({ id: "fence", vms: set.map(vm), nodes }, { id: "spread", vms: set.map(vm) });
      return { kind, names: "spread" };
    }
    case "gather": {
      // Two VMs that together need more memory than a node has.
      const w = (v0 + 1) % x.V;
      clear([v0, w]);
      x.constraints.push(
        { id: "preserve", vm: vm(v0), rc: "mem", amount: MEM / 2 + 1024 },
        { id: "preserve", vm: vm(w), rc: "mem", amount: MEM / 2 + 1024 },
        { id: "gather", vms: [vm(v0), vm(w)] },
      );
      return { kind, names: "gather" };
    }
  }
}
