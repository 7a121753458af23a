import { describe, expect, it } from "vitest";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { createDvms } from "../../plugins/dvms/index.ts";
import { fullRingOverloaded, node } from "./support/ring.ts";
import { traced } from "./support/trace.ts";

describe("DVMS when the datacenter cannot absorb an overload", () => {
  it("a hopeless partition grows without announcing itself: O(1) messages per join, then it ends unsolvable and every node is free", () => {
    const size = 40;
    const ring = fullRingOverloaded(size, 3); // until 3: before pm-0000's back-off ends
    const isp = ring.isp(node(0));
    // It took every node (no first out left) and could not be solved.
    expect(isp.end).toMatchObject({ outcome: "unsolvable", size, migrations: 0 });
    const about = ring.sent.filter((s) => JSON.stringify(s.message).includes(isp.id));
    const count = (type: string): number => about.filter((s) => s.message.type === type).length;
    // One validity check per join, no announcement (the partition never could hold its VMs), one dissolve per member.
    expect(count("check")).toBe(size - 1);
    expect(count("update")).toBe(0);
    expect(count("dissolve")).toBe(size - 1);
    // Announcing each join to every member cost size²/2 updates: here the whole ISP is linear in its size.
    expect(about.length).toBeLessThanOrEqual(6 * size);
    expect(ring.dvms.report().tables.isp).toHaveLength(1);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("the members of an unsolvable ISP back off before starting their own", () => {
    const ring = fullRingOverloaded(8, 2);
    const first = ring.isp(node(0));
    expect(first.end?.outcome).toBe("unsolvable");
    // pm-0005 took part; overloaded now, it waits at least half the back-off (5 s) before trying.
    ring.load(node(0), 0.75);
    ring.load(node(5), 1);
    ring.advance(30);
    const second = ring.dvms.isps().find((r) => r.initiator === node(5))!;
    expect(second.start).toBeGreaterThanOrEqual(first.end!.at + 2.5);
    expect(second.start).toBeLessThanOrEqual(first.end!.at + 5 + 1);
    expect(second.end?.outcome).toBe("unsolvable");
    expect(ring.problems).toEqual([]);
  });

  it("over capacity (mean load 0.8 on 6 cores) at 300 PMs: ISPs end and are reported, every VM stays hosted once, same seed same run", () => {
    const run = () => {
      const sim = createSimCluster({ seed: 3, nodes: 300, cores: 6, vmsPerNode: 8, load: { kind: "gaussian", mean: 0.8, std: 0.2 } });
      const t = traced(sim.runtime);
      const dvms = createDvms(t.runtime);
      dvms.start();
      sim.run(120);
      dvms.stop();
      sim.run(200);
      return { sim, dvms, messages: t.sent.length };
    };
    const a = run();
    const isps = a.dvms.isps();
    expect(isps.length).toBeGreaterThan(50);
    expect(isps.filter((r) => r.end === null)).toEqual([]);
    const unsolvable = isps.filter((r) => r.end?.outcome === "unsolvable");
    expect(unsolvable.length).toBeGreaterThan(isps.length / 2);
    // Linear cost: a few messages per member of each ISP, not one per member per join.
    const members = isps.reduce((sum, r) => sum + (r.end?.size ?? 0), 0);
    expect(a.messages).toBeLessThan(12 * members + 10 * isps.length);
    expect(a.sim.placement().size).toBe(2400);
    expect(new Set(a.sim.placement().keys()).size).toBe(2400);
    expect([...a.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    const b = run();
    expect(b.messages).toBe(a.messages);
    expect(b.dvms.report().tables).toEqual(a.dvms.report().tables);
    expect(b.sim.metrics().counters.violationSeconds).toBe(a.sim.metrics().counters.violationSeconds);
  });
});
