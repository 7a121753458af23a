import { describe, expect, it } from "vitest";
import { checkPlan } from "./plan-checker.ts";
import { identityPlan, solveAndCheck, tinyInstance, type TinyVm } from "./fixtures.ts";

type Nodes = Parameters<typeof tinyInstance>[0];
const node = (cpu = 4, mem = 8, online = true) => ({ cpu, mem, online });
const four: Nodes = { n1: node(), n2: node(), n3: node(), n4: node() };

interface Case {
  /** Initial placement that violates the constraint, and the constraint. */
  violated: [Nodes, Record<string, TinyVm>, Record<string, unknown>];
  /** Initial placement that already satisfies it (omitted when no such state exists). */
  satisfied?: [Nodes, Record<string, TinyVm>, Record<string, unknown>];
  /** What must hold in the repaired mapping, beyond the checker. */
  expect?: (mapping: Record<string, string[]>, offline: string[]) => void;
}

const on = (mapping: Record<string, string[]>, vm: string): string | undefined =>
  Object.keys(mapping).find((n) => mapping[n].includes(vm));

const cases: Record<string, Case> = {
  ban: {
    violated: [four, { a: { node: "n1" } }, { id: "ban", vms: ["a"], nodes: ["n1"] }],
    satisfied: [four, { a: { node: "n2" } }, { id: "ban", vms: ["a"], nodes: ["n1"] }],
    expect: (m) => expect(on(m, "a")).not.toBe("n1"),
  },
  fence: {
    violated: [four, { a: { node: "n1" } }, { id: "fence", vms: ["a"], nodes: ["n3", "n4"] }],
    satisfied: [four, { a: { node: "n3" } }, { id: "fence", vms: ["a"], nodes: ["n3", "n4"] }],
    expect: (m) => expect(["n3", "n4"]).toContain(on(m, "a")),
  },
  spread: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" } }, { id: "spread", vms: ["a", "b"] }],
    satisfied: [four, { a: { node: "n1" }, b: { node: "n2" } }, { id: "spread", vms: ["a", "b"] }],
    expect: (m) => expect(on(m, "a")).not.toBe(on(m, "b")),
  },
  gather: {
    violated: [four, { a: { node: "n1" }, b: { node: "n2" }, c: { node: "n1" } }, { id: "gather", vms: ["a", "b", "c"] }],
    satisfied: [four, { a: { node: "n2" }, b: { node: "n2" } }, { id: "gather", vms: ["a", "b"] }],
    expect: (m) => expect(on(m, "b")).toBe("n1"),
  },
  among: {
    violated: [
      four,
      { a: { node: "n1" }, b: { node: "n3" }, c: { node: "n2" } },
      { id: "among", vms: ["a", "b", "c"], parts: [["n1", "n2"], ["n3", "n4"]] },
    ],
    satisfied: [four, { a: { node: "n1" }, b: { node: "n2" } }, { id: "among", vms: ["a", "b"], parts: [["n1", "n2"], ["n3", "n4"]] }],
    expect: (m) => expect(["n1", "n2"]).toContain(on(m, "b")),
  },
  split: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" }, c: { node: "n1" } }, { id: "split", parts: [["a", "b"], ["c"]] }],
    satisfied: [four, { a: { node: "n1" }, c: { node: "n2" } }, { id: "split", parts: [["a"], ["c"]] }],
    expect: (m) => expect(on(m, "c")).not.toBe("n1"),
  },
  lonely: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" }, x: { node: "n1" } }, { id: "lonely", vms: ["a", "b"] }],
    satisfied: [four, { a: { node: "n1" }, x: { node: "n2" } }, { id: "lonely", vms: ["a"] }],
    expect: (m) => expect(on(m, "x")).not.toBe(on(m, "a")),
  },
  preserve: {
    violated: [four, { a: { node: "n1", cpu: 1 }, b: { node: "n1", cpu: 2 } }, { id: "preserve", vm: "a", rc: "cpu", amount: 3 }],
    satisfied: [four, { a: { node: "n1", cpu: 1 }, b: { node: "n1", cpu: 2 } }, { id: "preserve", vm: "a", rc: "cpu", amount: 2 }],
    expect: (m) => expect(m.n1.length).toBe(1),
  },
  online: {
    violated: [{ n1: node(), n2: node(4, 8, false) }, { a: { node: "n1" } }, { id: "online", node: "n2" }],
    satisfied: [{ n1: node(), n2: node(4, 8, false) }, { a: { node: "n1" } }, { id: "online", node: "n1" }],
    expect: (m) => expect(Object.keys(m)).toContain("n2"),
  },
  offline: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" } }, { id: "offline", node: "n1" }],
    satisfied: [{ n1: node(), n2: node(4, 8, false) }, { a: { node: "n1" } }, { id: "offline", node: "n2" }],
    expect: (_m, off) => expect(off).toContain("n1"),
  },
  running: {
    violated: [four, { a: { state: "ready" } }, { id: "running", vm: "a" }],
    satisfied: [four, { a: { node: "n2" } }, { id: "running", vm: "a" }],
    expect: (m) => expect(on(m, "a")).toBeDefined(),
  },
  ready: {
    violated: [four, { a: { node: "n1" } }, { id: "ready", vm: "a" }],
    satisfied: [four, { a: { state: "ready" }, b: { node: "n1" } }, { id: "ready", vm: "a" }],
    expect: (m) => expect(on(m, "a")).toBeUndefined(),
  },
  killed: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" } }, { id: "killed", vm: "a" }],
    expect: (m) => expect(on(m, "a")).toBeUndefined(),
  },
  overbook: {
    violated: [four, { a: { node: "n1", cpu: 3 } }, { id: "overbook", node: "n1", rc: "cpu", ratio: 0.5 }],
    satisfied: [four, { a: { node: "n1", cpu: 3 }, b: { node: "n1", cpu: 3 } }, { id: "overbook", node: "n1", rc: "cpu", ratio: 2 }],
    expect: (m) => expect(on(m, "a")).not.toBe("n1"),
  },
  resourceCapacity: {
    violated: [four, { a: { node: "n1", cpu: 2 }, b: { node: "n2", cpu: 2 } }, { id: "resourceCapacity", nodes: ["n1", "n2"], rc: "cpu", amount: 3 }],
    satisfied: [four, { a: { node: "n1", cpu: 2 }, b: { node: "n2", cpu: 2 } }, { id: "resourceCapacity", nodes: ["n1", "n2"], rc: "cpu", amount: 4 }],
    expect: (m) => expect(m.n1.length + m.n2.length).toBe(1),
  },
  runningCapacity: {
    violated: [four, { a: { node: "n1" }, b: { node: "n1" }, c: { node: "n2" } }, { id: "runningCapacity", nodes: ["n1", "n2"], amount: 2 }],
    satisfied: [four, { a: { node: "n1" }, b: { node: "n1" } }, { id: "runningCapacity", nodes: ["n1"], amount: 2 }],
    expect: (m) => expect(m.n1.length + m.n2.length).toBe(2),
  },
  maxOnline: {
    violated: [four, { a: { node: "n1" }, b: { node: "n2" } }, { id: "maxOnline", nodes: ["n1", "n2", "n3", "n4"], amount: 2 }],
    satisfied: [four, { a: { node: "n1" } }, { id: "maxOnline", nodes: ["n1", "n2"], amount: 2 }],
    expect: (m, off) => expect(off.sort()).toEqual(["n3", "n4"]),
  },
};

describe("constraint catalogue", () => {
  for (const [name, c] of Object.entries(cases)) {
    describe(name, () => {
      it("violated: the checker rejects doing nothing, the solver repairs it", () => {
        const instance = tinyInstance(...c.violated.slice(0, 2) as [Nodes, Record<string, TinyVm>], [c.violated[2]]);
        expect(checkPlan(instance, identityPlan(instance)).length).toBeGreaterThan(0);
        const r = solveAndCheck(instance);
        expect(r.status).toBe("solved");
        expect(r.errors).toEqual([]);
        c.expect?.(r.plan!.mapping, r.plan!.offline);
      });
      if (c.satisfied) {
        const [nodes, vms, constraint] = c.satisfied;
        it("satisfied: nothing to do, and the checker accepts it", () => {
          const instance = tinyInstance(nodes, vms, [constraint]);
          expect(checkPlan(instance, identityPlan(instance))).toEqual([]);
          const r = solveAndCheck(instance);
          expect(r.status).toBe("unchanged");
          expect(r.errors).toEqual([]);
        });
      }
    });
  }

  it("root: the pinned VM stays, another one moves; moving it is rejected", () => {
    const vms = { a: { node: "n1", cpu: 3 }, b: { node: "n1", cpu: 3, mem: 4 } };
    const free = solveAndCheck(tinyInstance(four, vms));
    expect(on(free.plan!.mapping, "a")).not.toBe("n1"); // unconstrained, the cheaper VM (less memory) moves
    const instance = tinyInstance(four, vms, [{ id: "root", vm: "a" }]);
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    expect(on(r.plan!.mapping, "a")).toBe("n1");
    expect(checkPlan(instance, free.plan!).some((e) => e.includes("root"))).toBe(true);
  });

  it("quarantine: no VM enters or leaves the node; crossing it is rejected", () => {
    const nodes = { n1: node(), n2: node(), n3: node(1, 8) };
    const vms = { a: { node: "n2", cpu: 1 }, q: { node: "n1", cpu: 1 } };
    const free = solveAndCheck(tinyInstance(nodes, vms, [{ id: "offline", node: "n2" }]));
    expect(on(free.plan!.mapping, "a")).toBe("n1"); // next-fit would use n1 first
    const instance = tinyInstance(nodes, vms, [{ id: "offline", node: "n2" }, { id: "quarantine", node: "n1" }]);
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    expect(on(r.plan!.mapping, "a")).toBe("n3");
    expect(checkPlan(instance, free.plan!).some((e) => e.includes("quarantine"))).toBe(true);
  });

  it("an unsatisfiable constraint set is reported as no-solution with a reason", () => {
    const r = solveAndCheck(tinyInstance(four, { a: { node: "n1" } }, [{ id: "fence", vms: ["a"], nodes: [] }]));
    expect(r.status).toBe("no-solution");
    expect(r.reasons[0]).toMatch(/VM 'a' .*fits on no node/);
  });
});

describe("continuous constraints hold during the plan", () => {
  // a must leave n1 (banned), b must leave n2 (going offline) and may only go to n1.
  const nodes = { n1: node(), n2: node(), n3: node() };
  const vms = { a: { node: "n1" }, b: { node: "n2" } };
  const base = [
    { id: "ban", vms: ["a"], nodes: ["n1"] },
    { id: "offline", node: "n2" },
    { id: "fence", vms: ["b"], nodes: ["n1"] },
  ];
  const migration = (plan: { actions: { action: string; vm?: string; start: number; end: number }[] }, vm: string) =>
    plan.actions.find((x) => x.action === "migrate" && x.vm === vm)!;

  it("discrete spread lets b arrive while a is still leaving", () => {
    const r = solveAndCheck(tinyInstance(nodes, vms, [...base, { id: "spread", vms: ["a", "b"], continuous: false }]));
    expect(r.errors).toEqual([]);
    expect(migration(r.plan!, "b").start).toBe(0);
  });

  it("continuous spread makes b wait for a's departure; the checker rejects the overlap", () => {
    const instance = tinyInstance(nodes, vms, [...base, { id: "spread", vms: ["a", "b"], continuous: true }]);
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    expect(migration(r.plan!, "b").start).toBeGreaterThanOrEqual(migration(r.plan!, "a").end);
    const overlapping = structuredClone(r.plan!);
    for (const a of overlapping.actions) if (a.action === "migrate" && a.vm === "b") (a.end -= a.start, a.start = 0);
    expect(checkPlan(instance, overlapping).some((e) => e.includes("continuous spread"))).toBe(true);
  });

  it("continuous maxOnline boots a node only after another one is off", () => {
    const instance = tinyInstance(
      { n1: node(), n2: node(), n3: node(4, 8, false) },
      { a: { node: "n1" } },
      [
        { id: "offline", node: "n1" },
        { id: "online", node: "n3" },
        { id: "fence", vms: ["a"], nodes: ["n3"] },
        { id: "maxOnline", nodes: ["n1", "n2", "n3"], amount: 2, continuous: true },
      ],
    );
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    // a cannot reach n3 before it boots, n3 cannot boot before n1 is down: a goes through n2 first.
    const acts = r.plan!.actions;
    const halt = acts.find((x) => x.action === "shutdownNode")!;
    const boot = acts.find((x) => x.action === "bootNode")!;
    expect(boot.start).toBeGreaterThanOrEqual(halt.end);
    expect(acts.filter((x) => x.action === "migrate").map((x) => x.action === "migrate" && x.to)).toEqual(["n2", "n3"]);
  });

  it("continuous resourceCapacity delays an arrival into the group until room is freed", () => {
    const instance = tinyInstance(
      { n1: node(), n2: node(), n3: node() },
      { a: { node: "n1", cpu: 2 }, b: { node: "n3", cpu: 2 } },
      [
        { id: "ban", vms: ["a"], nodes: ["n1"] },
        { id: "fence", vms: ["a"], nodes: ["n3"] },
        { id: "fence", vms: ["b"], nodes: ["n2"] },
        { id: "resourceCapacity", nodes: ["n1", "n2"], rc: "cpu", amount: 2, continuous: true },
      ],
    );
    const r = solveAndCheck(instance);
    expect(r.errors).toEqual([]);
    expect(migration(r.plan!, "b").start).toBeGreaterThanOrEqual(migration(r.plan!, "a").end);
  });
});
