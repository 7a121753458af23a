import { describe, expect, it } from "vitest";
import type { DvmsMessage, PublicState } from "../../plugins/dvms/index.ts";
import { node, scriptedRing, type Ring } from "./support/ring.ts";
import type { Sent } from "./support/trace.ts";

type Update = Extract<DvmsMessage, { type: "update" }>;

const updates = (ring: Ring, id: string): (Sent & { message: Update })[] =>
  ring.sent.filter((s): s is Sent & { message: Update } => s.message.type === "update" && s.message.id === id);

const nodes = (...indices: number[]): string[] => indices.map(node);

/** The merge locks held at each sampled instant, as `holder:request`, one entry per change. */
function sampleLocks(ring: Ring, from: number, to: number, step: number): string[][] {
  const snapshots: string[][] = [];
  for (let t = from; t < to; t += step) {
    ring.advance(t);
    const held = [...ring.dvms.states()].flatMap(([n, s]) => (s.kind === "member" && s.mergeLock !== null ? [`${n}:${s.mergeLock}`] : []));
    if (held.length > 0 && held.join() !== snapshots.at(-1)?.join()) snapshots.push(held);
  }
  return snapshots;
}

const allFree = (ring: Ring, except: readonly string[] = []): boolean =>
  [...ring.dvms.states()].every(([n, s]: [string, PublicState]) => except.includes(n) || s.kind === "free");

/**
 * 8 nodes, partitions need 6 (minPartitionSize): overloads on 0 and 4 grow
 * {0..3} and {4..7}, which block each other. Neither can solve alone.
 */
function twoBlocked(options: Readonly<Record<string, unknown>> = {}): Ring {
  const ring = scriptedRing(8, { minPartitionSize: 6, ...options });
  ring.advance(1);
  ring.load(node(0), 1);
  ring.load(node(4), 1);
  return ring;
}

/**
 * 8 nodes, partitions need all 8: Y = pm-0006's partition blocks first;
 * X = pm-0002's and W = pm-0004's block a moment later and both ask Y,
 * X first. Timings are those of the simulated ring (deterministic).
 */
function doubleRequest(options: Readonly<Record<string, unknown>> = {}): Ring {
  const ring = scriptedRing(8, { minPartitionSize: 8, ...options });
  ring.advance(1.0001);
  ring.load(node(6), 1);
  ring.advance(1.0006);
  ring.load(node(2), 1);
  ring.advance(1.0009);
  ring.load(node(4), 1);
  return ring;
}

describe("DVMS partition merging", () => {
  it("without merging, two Blocked partitions too small to solve dissolve again and again", () => {
    const ring = twoBlocked({ merge: false, backoff: 0 });
    ring.advance(20);
    ring.dvms.stop();
    ring.advance(40);
    const isps = ring.dvms.isps();
    expect(isps.length).toBeGreaterThan(10); // retried every second
    expect(isps.every((r) => r.end?.outcome === "unsolvable" && r.end.size === 4)).toBe(true);
    expect(ring.dvms.report().migrations).toEqual([]);
    expect(ring.overloaded(node(0)) && ring.overloaded(node(4))).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("merges two Blocked partitions that could not solve alone; the merged partition solves both overloads", () => {
    const ring = twoBlocked();
    ring.advance(60);
    const low = ring.isp(node(0));
    const high = ring.isp(node(4));
    expect(ring.dvms.isps()).toHaveLength(2);
    // The lower-ranked initiator (pm-0000) asked; pm-0004's partition absorbed it and solved for both.
    expect(low.end).toMatchObject({ outcome: "solved", size: 8, mergedInto: high.id });
    expect(high.end).toMatchObject({ outcome: "solved", size: 8, mergedInto: null, migrations: 2 });
    expect(low.end!.at).toBe(high.end!.at);
    // Before the merge both tokens went round Blocked; the merged partition was announced Growing, to every member, with a new version.
    const blockedVersions = [low.id, high.id].map((id) => {
      const blocked = ring.tokens(id).flatMap((s) => (s.message.type === "isp" && s.message.token.state === "blocked" ? [s.message.token.version] : []));
      expect(blocked.length).toBeGreaterThan(0);
      return Math.max(...blocked);
    });
    const merged = updates(ring, high.id).find((u) => u.message.nodes.length === 8)!;
    expect(merged.message).toMatchObject({ state: "growing", leader: node(4), merged: [low.id], nodes: nodes(4, 5, 6, 7, 0, 1, 2, 3) });
    expect(merged.message.version).toBeGreaterThan(Math.max(...blockedVersions));
    const told = updates(ring, high.id).filter((u) => u.at === merged.at).map((u) => u.to);
    expect(told.sort()).toEqual(nodes(0, 1, 2, 3, 5, 6, 7));
    // pm-0000's members answered the merged partition's leader: they took it as theirs.
    const acks = ring.sent.filter((s) => s.message.type === "ack" && s.message.id === high.id && s.to === node(4) && s.at > merged.at);
    expect(new Set(acks.map((s) => s.from))).toEqual(new Set(nodes(0, 1, 2, 3, 5, 6, 7)));
    expect(ring.overloaded(node(0)) || ring.overloaded(node(4))).toBe(false);
    expect(ring.dvms.report().migrations.map((m) => m.from).sort()).toEqual(nodes(0, 4));
    expect(allFree(ring)).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("holds one request at a time: a second partition asking the same one is refused and never shares a node", () => {
    const ring = doubleRequest();
    const locks = sampleLocks(ring, 1.001, 1.003, 0.00005);
    ring.advance(60);
    const y = ring.isp(node(6));
    const x = ring.isp(node(2));
    const w = ring.isp(node(4));
    // pm-0006 held X's request, never W's.
    expect(locks).toEqual([[`${node(6)}:${x.id}`]]);
    // W's Blocked token reached pm-0006 while it held X's request and went on past Y (refused).
    const wAt6 = ring.tokens(w.id).filter((s) => (s.to === node(6) || s.from === node(6)) && s.message.type === "isp" && s.message.token.state === "blocked");
    expect(wAt6.map((s) => (s.from === node(6) ? "out" : "in"))).toEqual(["in", "out"]);
    expect(wAt6[1].message).toMatchObject({ token: { detour: [y.id] } });
    expect(x.end).toMatchObject({ mergedInto: y.id, outcome: "solved" });
    expect(w.end).toMatchObject({ mergedInto: null, outcome: "unsolvable" });
    // The merged partition is Y and X only; W's nodes were told about Y only after W had ended.
    const merged = updates(ring, y.id).find((u) => u.message.merged.length > 0)!;
    expect(new Set(merged.message.nodes)).toEqual(new Set(nodes(6, 7, 0, 1, 2, 3)));
    const wNodesJoined = updates(ring, y.id).filter((u) => u.to === node(4) || u.to === node(5));
    expect(Math.min(...wNodesJoined.map((u) => u.at))).toBeGreaterThanOrEqual(w.end!.at);
    expect(y.end?.outcome).toBe("solved");
    expect(nodes(2, 4, 6).some((n) => ring.overloaded(n))).toBe(false);
    expect(allFree(ring)).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("a partition asked while it asks merges once: its held request is handed back as soon as it is absorbed", () => {
    // 12 nodes, partitions need all 12: A = pm-0000's, B = pm-0004's, C = pm-0008's, four nodes each, all Blocked.
    const ring = scriptedRing(12, { minPartitionSize: 12 });
    ring.advance(1);
    for (const i of [0, 4, 8]) ring.load(node(i), 1);
    const locks = sampleLocks(ring, 1.001, 1.003, 0.00005);
    ring.advance(60);
    const [a, b, c] = [0, 4, 8].map((i) => ring.isp(node(i)));
    // B held A's request while its own token waited at C's initiator: B asked and was asked at once.
    expect(locks).toContainEqual([`${node(4)}:${a.id}`, `${node(8)}:${b.id}`]);
    expect(new Set(locks.flat())).toEqual(new Set([`${node(4)}:${a.id}`, `${node(8)}:${b.id}`]));
    // C's token came home: C absorbed B, and B's initiator handed A's request back at once.
    const absorbed = updates(ring, c.id).find((u) => u.to === node(4) && u.message.merged.includes(b.id))!;
    const handedBack = ring.tokens(a.id).find((s) => s.from === node(4) && s.at >= absorbed.at)!;
    expect(handedBack.at - absorbed.at).toBeLessThan(0.001);
    expect(b.end?.mergedInto).toBe(c.id);
    expect(a.end?.mergedInto).toBeNull();
    // A's nodes were told about C's partition only after A had ended.
    const aNodesJoined = updates(ring, c.id).filter((u) => nodes(0, 1, 2, 3).includes(u.to));
    expect(Math.min(...aNodesJoined.map((u) => u.at))).toBeGreaterThanOrEqual(a.end!.at);
    expect(c.end).toMatchObject({ outcome: "solved", size: 12 });
    expect(nodes(0, 4, 8).some((n) => ring.overloaded(n))).toBe(false);
    expect(allFree(ring)).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("releases a held request after mergeTimeout when the host's token does not come home", () => {
    const ring = doubleRequest({ mergeTimeout: 0.5 });
    ring.advance(1.00145);
    ring.sim.crashNode(node(4)); // Y's token is on its way to pm-0004: lost, its sender waits 1 s for the ack
    const locks = sampleLocks(ring, 1.0015, 1.6, 0.001);
    ring.advance(60);
    const x = ring.dvms.isps().find((r) => r.initiator === node(2))!;
    expect(locks).toEqual([[`${node(6)}:${x.id}`]]);
    // Held from ~1.0015, handed back at the timeout: X's token leaves pm-0006 half a second later.
    const released = ring.tokens(x.id).find((s) => s.from === node(6))!;
    expect(released.at).toBeGreaterThanOrEqual(1.5);
    expect(released.at).toBeLessThan(1.51);
    expect(x.end?.mergedInto).toBeNull();
    ring.dvms.stop();
    ring.advance(120);
    expect(ring.dvms.isps().every((r) => r.end !== null)).toBe(true);
    expect(allFree(ring, [node(4)])).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("loses a held request with its host when the host crashes: the asker's members time out, nobody stays locked", () => {
    const ring = doubleRequest();
    const locks = sampleLocks(ring, 1.001, 1.00155, 0.00005);
    const x = ring.isp(node(2));
    expect(locks).toEqual([[`${node(6)}:${x.id}`]]);
    ring.sim.crashNode(node(6));
    ring.advance(10);
    expect(x.end).toMatchObject({ outcome: "timed-out", mergedInto: null });
    ring.dvms.stop();
    ring.advance(120);
    expect(ring.dvms.isps().every((r) => r.end !== null)).toBe(true);
    expect(allFree(ring, [node(6)])).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("drops a member of the absorbed partition that crashes during the merge, and still solves", () => {
    const ring = twoBlocked();
    ring.advance(1.00125); // pm-0004 holds pm-0000's request; the merge follows within a hop
    ring.sim.crashNode(node(3));
    ring.advance(60);
    const low = ring.isp(node(0));
    const high = ring.isp(node(4));
    expect(low.end?.mergedInto).toBe(high.id);
    const last = updates(ring, high.id).at(-1)!.message;
    expect(last.nodes).not.toContain(node(3));
    expect(last.nodes).toContain(node(0));
    expect(high.end?.outcome).toBe("solved");
    expect(ring.overloaded(node(0)) || ring.overloaded(node(4))).toBe(false);
    expect(allFree(ring, [node(3)])).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("drops the absorbed partition's initiator when it crashes during the merge", () => {
    const ring = twoBlocked();
    ring.advance(1.00125);
    ring.sim.crashNode(node(0));
    ring.advance(60);
    const low = ring.isp(node(0));
    const high = ring.isp(node(4));
    // pm-0000's ISP ended with it; the merged partition went on without it and solved pm-0004's overload.
    expect(low.end?.outcome).toBe("dissolved");
    expect(updates(ring, high.id).at(-1)!.message.nodes).not.toContain(node(0));
    expect(high.end?.outcome).toBe("solved");
    expect(ring.overloaded(node(4))).toBe(false);
    expect(allFree(ring, [node(0)])).toBe(true);
    expect(ring.problems).toEqual([]);
  });
});
