import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MigrationResult } from "../../engine/cluster.ts";
import { createSimCluster, type SimCluster } from "../../plugins/sim/index.ts";

const NODES = 5;
const PER_NODE = 3;
const VMS = NODES * PER_NODE;
const NODE_MEMORY = 4096;
const CORES = 2;

const node = (i: number): string => `pm-000${i}`;
const vm = (i: number): string => `vm-${String(i).padStart(5, "0")}`;

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("migrate" as const), vm: fc.nat(VMS - 1), to: fc.nat(NODES - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("run" as const), dt: fc.double({ min: 0, max: 20, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("load" as const), vm: fc.nat(VMS - 1), load: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), node: fc.nat(NODES - 1) }) },
);

/** Every VM on exactly one node, per-node views agree with the global one, memory within capacity, violations consistent. */
function checkInvariants(c: SimCluster): void {
  const all = c.runtime.observe();
  expect(all.vms.map((v) => v.name)).toEqual(Array.from({ length: VMS }, (_, i) => vm(i)));
  const perNode = all.nodes.flatMap((n) => c.runtime.observe([n.name]).vms.map((v) => `${v.name}@${v.node}@${n.name}`));
  expect(perNode.sort()).toEqual(all.vms.map((v) => `${v.name}@${v.node}@${v.node}`).sort());
  const placement = c.placement();
  expect(placement.size).toBe(VMS);
  for (const v of all.vms) expect(placement.get(v.name)).toBe(v.node);
  for (const n of all.nodes) {
    const hosted = all.vms.filter((v) => v.node === n.name);
    expect(hosted.reduce((s, v) => s + v.memoryMiB, 0)).toBeLessThanOrEqual(n.memoryMiB);
  }
  const overloaded = all.nodes.filter((n) => n.online && all.vms.filter((v) => v.node === n.name).reduce((s, v) => s + v.cpuDemand, 0) > n.cores + 1e-9);
  const open = c.metrics().violations.filter((v) => v.end === null);
  expect(open.map((v) => v.node).sort()).toEqual(overloaded.map((n) => n.name));
}

describe("sim invariants under random operations (property)", () => {
  it("keeps every VM on exactly one PM and memory within capacity after every completed migration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(op, { minLength: 1, maxLength: 40 }), (seed, ops) => {
        const c = createSimCluster({
          seed, nodes: NODES, vmsPerNode: PER_NODE, cores: CORES, memoryMiB: NODE_MEMORY, maxRounds: 4,
          load: { kind: "gaussian", mean: 0.6, std: 0.3, loadPeriod: 30 },
        });
        const completed: MigrationResult[] = [];
        const onDone = (r: MigrationResult): void => {
          completed.push(r);
          const view = c.runtime.observe([r.to, r.from]);
          const at = view.vms.find((v) => v.name === r.vm);
          expect(at?.node).toBe(r.outcome === "ok" ? r.to : r.from);
          for (const n of view.nodes) {
            const used = view.vms.filter((v) => v.node === n.name).reduce((s, v) => s + v.memoryMiB, 0);
            expect(used).toBeLessThanOrEqual(n.memoryMiB);
          }
        };
        for (const o of ops) {
          if (o.kind === "migrate") c.runtime.migrate(vm(o.vm), node(o.to), onDone);
          else if (o.kind === "run") c.run(c.runtime.now() + o.dt);
          else if (o.kind === "load") c.setVmLoad(vm(o.vm), o.load / 10);
          else c.crashNode(node(o.node));
          checkInvariants(c);
        }
        c.run(c.runtime.now() + 3600);
        checkInvariants(c);
        // Every migration ended, exactly once, and metrics list them all.
        const started = ops.filter((o) => o.kind === "migrate").length;
        expect(completed).toHaveLength(started);
        expect(c.metrics().migrations).toEqual(completed);
        expect(c.runtime.observe().vms.some((v) => v.migrating)).toBe(false);
      }),
      { seed: 20261121, numRuns: 150 },
    );
  });
});
