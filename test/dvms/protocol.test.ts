import { describe, expect, it } from "vitest";
import { fullRingOverloaded, node, scriptedRing } from "./support/ring.ts";

describe("DVMS protocol on scripted rings", () => {
  it.each([2, 3, 4])("solves one overload in a partition of the minimum size %i when the next nodes have room", (minPartitionSize) => {
    const ring = scriptedRing(8, { minPartitionSize });
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(60);
    const isp = ring.isp(node(0));
    expect(isp.end).toMatchObject({ outcome: "solved", size: minPartitionSize, migrations: 1 });
    expect(ring.members(isp.id)).toEqual([0, 1, 2, 3].slice(0, minPartitionSize).map(node));
    expect(ring.dvms.isps()).toHaveLength(1);
    expect(ring.overloaded(node(0))).toBe(false);
    expect(ring.dvms.report().migrations.map((m) => m.from)).toEqual([node(0)]);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
    expect(ring.dvms.report().tables.isp).toEqual([
      {
        id: isp.id,
        initiator: node(0),
        goal: "overload",
        start: 1,
        end: isp.end!.at,
        ispDuration: isp.end!.at - 1,
        size: minPartitionSize,
        hops: minPartitionSize - 1,
        migrations: 1,
        outcome: "solved",
        mergedInto: null,
      },
    ]);
  });

  it("checks a node's load at most once per second", () => {
    const ring = scriptedRing(8);
    ring.advance(0.3); // every node checked itself at 0
    ring.load(node(0), 1);
    ring.advance(0.99);
    expect(ring.dvms.isps()).toEqual([]);
    ring.advance(30);
    expect(ring.isp(node(0)).start).toBe(1);
  });

  it("grows past full nodes until the partition can absorb the overload", () => {
    const ring = scriptedRing(8);
    for (const i of [1, 2, 3, 4]) ring.load(node(i), 0.75); // exactly full: no room
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(60);
    const isp = ring.isp(node(0));
    // {0..3} and {0..4} cannot hold 1 core more; node 5 has exactly that room.
    expect(isp.end).toMatchObject({ outcome: "solved", size: 6 });
    expect(ring.members(isp.id)).toEqual([0, 1, 2, 3, 4, 5].map(node));
    expect(ring.overloaded(node(0))).toBe(false);
    expect(ring.problems).toEqual([]);
  });

  it("solves two concurrent overloads in disjoint partitions", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    ring.load(node(0), 1);
    ring.load(node(4), 1);
    ring.advance(60);
    const a = ring.isp(node(0));
    const b = ring.isp(node(4));
    expect(a.end?.outcome).toBe("solved");
    expect(b.end?.outcome).toBe("solved");
    // Both were working at the same time.
    expect(Math.max(a.start, b.start)).toBeLessThan(Math.min(a.end!.at, b.end!.at));
    const ma = ring.members(a.id);
    const mb = ring.members(b.id);
    expect(ma).toEqual([0, 1, 2, 3].map(node));
    expect(mb).toEqual([4, 5, 6, 7].map(node));
    expect(ring.overloaded(node(0)) || ring.overloaded(node(4))).toBe(false);
    expect(ring.problems).toEqual([]);
  });

  it("sends a foreign ISP through a busy partition straight to its first out", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(2); // node 0's partition {0..3} is applying its plan (a migration takes ~10 s)
    expect(ring.dvms.states().get(node(0))).toMatchObject({ kind: "member" });
    ring.load(node(7), 1);
    ring.advance(60);
    const p = ring.isp(node(0));
    const q = ring.isp(node(7));
    const hops = ring.tokens(q.id).map((s) => [s.from, s.to]);
    // 7 offers Q to its successor 0, busy in P, which shortcuts it past P to P's first out, 4.
    expect(hops.slice(0, 2)).toEqual([
      [node(7), node(0)],
      [node(0), node(4)],
    ]);
    expect(ring.tokens(q.id)[1].message).toMatchObject({ token: { detour: [p.id] } });
    expect(q.end?.outcome).toBe("solved");
    expect(ring.members(q.id)).toEqual([7, 4, 5, 6].map(node));
    expect(p.end?.outcome).toBe("solved");
    expect(ring.problems).toEqual([]);
  });

  it("dissolves every partition of a ring where no solution exists and leaves no node locked", () => {
    const ring = scriptedRing(6);
    ring.advance(1);
    for (let i = 0; i < 6; i++) ring.load(node(i), 1); // 24 cores of demand on 18
    ring.advance(10);
    ring.dvms.stop();
    ring.advance(30);
    const isps = ring.dvms.isps();
    expect(isps.length).toBeGreaterThanOrEqual(6);
    expect(isps.map((r) => r.end?.outcome)).toEqual(isps.map(() => "unsolvable"));
    // Every node was busy: ISPs went round, turned Blocked, came back and ended unsolvable.
    expect(ring.sent.some((s) => s.message.type === "isp" && s.message.token.state === "blocked")).toBe(true);
    expect(ring.dvms.report().migrations).toEqual([]);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("dissolves a partition that grew over the whole ring without a solution", () => {
    const ring = fullRingOverloaded(6, 5);
    ring.dvms.stop();
    ring.advance(30);
    const first = ring.dvms.isps()[0];
    expect(first.end).toMatchObject({ outcome: "unsolvable", size: 6 });
    expect(ring.dvms.isps().every((r) => r.end?.outcome === "unsolvable")).toBe(true);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });
});
