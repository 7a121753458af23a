import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPlan } from "./plan-checker.ts";
import { solveAndCheck, tinyInstance } from "./fixtures.ts";

const migrations = (plan: { actions: { action: string }[] }) =>
  plan.actions.filter((a): a is { action: "migrate"; vm: string; from: string; to: string; start: number; end: number } => a.action === "migrate");

const sorted = (m: Record<string, string[]>) => Object.fromEntries(Object.entries(m).map(([n, vs]) => [n, [...vs].sort()]));

describe("planner", () => {
  // a and b swap full nodes: each migration waits for the other, a dependency cycle.
  const swap = (pivotCpu: number) =>
    tinyInstance(
      { n1: { cpu: 2, mem: 8 }, n2: { cpu: 2, mem: 8 }, n3: { cpu: pivotCpu, mem: 8 } },
      { a: { node: "n1", cpu: 2 }, b: { node: "n2", cpu: 2 } },
      [
        { id: "fence", vms: ["a"], nodes: ["n2"] },
        { id: "fence", vms: ["b"], nodes: ["n1"] },
      ],
    );

  it("breaks a migration cycle with a pivot through a third node", () => {
    const instance = swap(2);
    const r = solveAndCheck(instance);
    expect(r.status).toBe("solved");
    expect(r.errors).toEqual([]);
    const moves = migrations(r.plan!);
    expect(moves).toHaveLength(3);
    const legs = moves.filter((m) => m.from === "n3" || m.to === "n3");
    expect(legs).toHaveLength(2);
    expect(legs[0].vm).toBe(legs[1].vm);
    expect(legs[1].start).toBeGreaterThanOrEqual(legs[0].end);
    expect(sorted(r.plan!.mapping)).toEqual({ n1: ["b"], n2: ["a"], n3: [] });
    // Without the pivot the swap overloads a node: the checker sees it.
    const direct = structuredClone(r.plan!);
    direct.actions = [
      { action: "migrate", vm: "a", from: "n1", to: "n2", start: 0, end: 1 },
      { action: "migrate", vm: "b", from: "n2", to: "n1", start: 0, end: 1 },
    ];
    expect(checkPlan(instance, direct).some((e) => e.includes("over capacity"))).toBe(true);
  });

  it("reports no-solution when no node can serve as pivot", () => {
    const r = solveAndCheck(swap(1));
    expect(r.status).toBe("no-solution");
    expect(r.reasons[0]).toMatch(/pivot/);
  });

  it("a migration waits until its destination has room", () => {
    // a may only land on n2, which b (banned there) must leave first.
    const instance = tinyInstance(
      { n1: { cpu: 2, mem: 8 }, n2: { cpu: 2, mem: 8 }, n3: { cpu: 2, mem: 8 } },
      { a: { node: "n1", cpu: 2, mem: 1 }, b: { node: "n2", cpu: 2, mem: 4 } },
      [
        { id: "fence", vms: ["a"], nodes: ["n2"] },
        { id: "ban", vms: ["b"], nodes: ["n2"] },
        { id: "ban", vms: ["b"], nodes: ["n1"] },
      ],
    );
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    const [first, second] = migrations(r.plan!);
    expect(first.vm).toBe("b");
    expect(second.vm).toBe("a");
    expect(second.start).toBeCloseTo(first.end, 9);
  });

  it("random repairs: every solved plan passes the independent checker", () => {
    const vmSpec = fc.record({ node: fc.integer({ min: 0, max: 5 }), cpu: fc.integer({ min: 1, max: 4 }), mem: fc.integer({ min: 1, max: 4 }) });
    const constraint = fc.oneof(
      fc.record({ id: fc.constant("ban"), vms: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 3 }), nodes: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 2 }) }),
      fc.record({ id: fc.constant("spread"), vms: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 2, maxLength: 3 }), continuous: fc.boolean() }),
      fc.record({ id: fc.constant("offline"), node: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ id: fc.constant("preserve"), vm: fc.integer({ min: 0, max: 11 }), rc: fc.constant("cpu"), amount: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ id: fc.constant("lonely"), vms: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 2 }), continuous: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(vmSpec, { minLength: 12, maxLength: 12 }), fc.array(constraint, { maxLength: 3 }), (vms, constraints) => {
        const nodes = Object.fromEntries([0, 1, 2, 3, 4, 5].map((n) => [`n${n}`, { cpu: 8, mem: 8 }]));
        const named = (xs: number[], p: string) => xs.map((x) => `${p}${x}`);
        const cs = constraints.map((c) => {
          const out: Record<string, unknown> = { ...c };
          if ("vms" in c) out.vms = named(c.vms, "v");
          if ("nodes" in c) out.nodes = named(c.nodes, "n");
          if ("node" in c) out.node = `n${c.node}`;
          if ("vm" in c) out.vm = `v${c.vm}`;
          return out;
        });
        const instance = tinyInstance(nodes, Object.fromEntries(vms.map((v, i) => [`v${i}`, { ...v, node: `n${v.node}` }])), cs);
        const r = solveAndCheck(instance, 1);
        if (r.status === "solved" || r.status === "unchanged") expect(r.errors).toEqual([]);
        else expect(r.reasons.length).toBeGreaterThan(0);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe("solver", () => {
  it("ejects a VM to make room when no node fits, and orders the moves", () => {
    // b (pinned) grows: a is evicted from n1 but fits nowhere; c is ejected from n2 to n3, then a lands on n2.
    const instance = tinyInstance(
      { n1: { cpu: 4, mem: 8 }, n2: { cpu: 4, mem: 8 }, n3: { cpu: 2, mem: 8 } },
      { a: { node: "n1", cpu: 3 }, b: { node: "n1", cpu: 1 }, c: { node: "n2", cpu: 2 }, d: { node: "n2", cpu: 1 } },
      [
        { id: "preserve", vm: "b", rc: "cpu", amount: 2 },
        { id: "root", vm: "b" },
      ],
    );
    const r = solveAndCheck(instance);
    expect(r.status).toBe("solved");
    expect(r.errors).toEqual([]);
    expect(sorted(r.plan!.mapping)).toEqual({ n1: ["b"], n2: ["a", "d"], n3: ["c"] });
    const [c, a] = migrations(r.plan!);
    expect([c.vm, a.vm]).toEqual(["c", "a"]);
    expect(a.start).toBeGreaterThanOrEqual(c.end);
  });

  it("returns timeout, not a plan, when the time limit ends before a placement", () => {
    const instance = tinyInstance({ n1: { cpu: 4, mem: 8 }, n2: { cpu: 4, mem: 8 } }, { a: { node: "n1" } }, [
      { id: "ban", vms: ["a"], nodes: ["n1"] },
    ]);
    const r = solveAndCheck(instance, 0);
    expect(r.status).toBe("timeout");
    expect(r.plan).toBeNull();
  });
});
