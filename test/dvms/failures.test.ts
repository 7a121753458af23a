import { describe, expect, it } from "vitest";
import type { DvmsMessage } from "../../plugins/dvms/index.ts";
import { newToken } from "../../plugins/dvms/partition.ts";
import { node, scriptedRing } from "./support/ring.ts";

type Update = Extract<DvmsMessage, { type: "update" }>;

describe("DVMS failure handling", () => {
  it("skips a crashed candidate once its handoff times out", () => {
    const ring = scriptedRing(8);
    ring.sim.crashNode(node(2));
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(60);
    const isp = ring.isp(node(0));
    const hops = ring.tokens(isp.id).map((s) => [s.from, s.to]);
    expect(hops).toEqual([
      [node(0), node(1)],
      [node(1), node(2)],
      [node(1), node(3)],
      [node(3), node(4)],
    ]);
    // The retry left no earlier than the handoff timeout (1 s) after the lost one.
    const [, lost, retry] = ring.tokens(isp.id);
    expect(retry.at - lost.at).toBeGreaterThanOrEqual(1);
    expect(isp.end).toMatchObject({ outcome: "solved", size: 4 });
    expect(ring.members(isp.id)).toEqual([0, 1, 3, 4].map(node));
    expect(ring.problems).toEqual([]);
  });

  it("drops a member that crashes while the leader applies its plan", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(2);
    expect(ring.dvms.states().get(node(3))).toMatchObject({ leading: "applying" });
    const victim = node(2); // not the migration's destination (node 1, checked below)
    ring.sim.crashNode(victim);
    ring.advance(60);
    const isp = ring.isp(node(0));
    const updates = ring.sent.filter((s) => s.message.type === "update" && s.message.id === isp.id && s.at > 2).map((s) => s.message as Update);
    expect(updates.at(-1)?.nodes).toEqual([0, 1, 2, 3].map(node).filter((n) => n !== victim));
    // Dropped after the member timeout (1.5 s), not before.
    const firstWithout = ring.sent.find((s) => s.at > 2 && s.message.type === "update" && s.message.id === isp.id && !(s.message as Update).nodes.includes(victim));
    expect(firstWithout!.at).toBeGreaterThanOrEqual(3.5);
    expect(isp.end?.outcome).toBe("solved");
    expect(ring.dvms.report().migrations).toMatchObject([{ from: node(0), to: node(1), outcome: "ok" }]);
    expect(ring.problems).toEqual([]);
  });

  it("dissolves a partition whose initiator crashed: the next candidate's validity check gets no answer", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(1.00005); // the token to node 1 is on the wire
    ring.sim.crashNode(node(0));
    ring.advance(30);
    const isp = ring.isp(node(0));
    expect(ring.tokens(isp.id).map((s) => s.to)).toEqual([node(1)]);
    expect(isp.end).toMatchObject({ outcome: "dissolved", migrations: 0 });
    expect(isp.end!.at).toBeGreaterThanOrEqual(2);
    const live = [...ring.dvms.states()].filter(([n]) => n !== node(0));
    expect(live.every(([, s]) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("ends the ISP as dissolved when the initiator crashes during the migration", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    ring.load(node(0), 1);
    ring.advance(3);
    ring.sim.crashNode(node(0));
    ring.advance(30);
    const isp = ring.isp(node(0));
    expect(isp.end).toMatchObject({ outcome: "dissolved", migrations: 0 });
    expect(ring.dvms.report().migrations).toMatchObject([{ from: node(0), outcome: "failed" }]);
    const live = [...ring.dvms.states()].filter(([n]) => n !== node(0));
    expect(live.every(([, s]) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("drops a token whose initiator no longer knows its partition (validity check)", () => {
    const ring = scriptedRing(8);
    ring.advance(1);
    // A token of an ISP pm-0005 does not run (e.g. one it dissolved), arriving at free pm-0001.
    const obs = ring.sim.runtime.observe([node(5)]);
    const stale = newToken(`${node(5)}#99`, node(5), "overload", { node: obs.nodes[0], vms: obs.vms }, ring.sim.runtime.now());
    ring.sim.runtime.network.send(node(5), node(1), { type: "isp", token: stale } satisfies DvmsMessage);
    ring.advance(10);
    const about = ring.sent.filter((s) => JSON.stringify(s.message).includes(stale.id)).map((s) => [s.from, s.to, s.message.type]);
    expect(about).toEqual([
      [node(1), node(5), "isp-ack"],
      [node(1), node(5), "check"],
      [node(5), node(1), "check-reply"],
    ]);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
  });
});
