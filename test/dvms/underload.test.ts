import { describe, expect, it } from "vitest";
import { CORES, node, scriptedRing } from "./support/ring.ts";

/** Node 0's four VMs at 0.1 core: 0.4 of 3 cores, under a 0.2 threshold (0.6 core); the others use 2 of 3. */
function underloadedRing(options: Readonly<Record<string, unknown>>) {
  const ring = scriptedRing(8, options);
  ring.advance(0.5);
  ring.load(node(0), 0.1);
  return ring;
}

const hosted = (ring: ReturnType<typeof scriptedRing>, n: string): string[] =>
  [...ring.sim.placement()].filter(([, host]) => host === n).map(([vm]) => vm);

describe("DVMS underload events (option)", () => {
  it("are off by default: an underloaded node starts nothing", () => {
    const ring = underloadedRing({});
    ring.advance(30);
    expect(ring.dvms.isps()).toEqual([]);
    expect(hosted(ring, node(0))).toHaveLength(4);
  });

  it("empty an underloaded node onto its partition when the partition has room", () => {
    const ring = underloadedRing({ underload: 0.2 });
    const before = hosted(ring, node(0));
    ring.advance(60);
    const isp = ring.isp(node(0));
    expect(isp).toMatchObject({ goal: "underload", start: 1 }); // the first check after the load dropped
    expect(isp.end).toMatchObject({ outcome: "solved", size: 4, migrations: 4 });
    expect(ring.dvms.isps()).toHaveLength(1);
    // Every one of node 0's VMs moved to the partition's other members, and nothing else moved.
    const moves = ring.dvms.report().migrations;
    expect(moves.map((m) => m.vm).sort()).toEqual(before.sort());
    expect(moves.every((m) => m.from === node(0) && [1, 2, 3].map(node).includes(m.to) && m.outcome === "ok")).toBe(true);
    expect(hosted(ring, node(0))).toEqual([]);
    // Consolidation never overloads the receivers.
    for (let i = 0; i < 8; i++) expect(ring.overloaded(node(i))).toBe(false);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it("leave the node as it is when no partition has room for its VMs", () => {
    const ring = scriptedRing(6, { underload: 0.2 });
    for (let i = 1; i < 6; i++) ring.load(node(i), CORES / 4); // exactly full
    ring.advance(0.5);
    ring.load(node(0), 0.1);
    ring.advance(5);
    ring.dvms.stop();
    ring.advance(30);
    const isps = ring.dvms.isps();
    expect(isps.length).toBeGreaterThan(0);
    expect(isps.every((r) => r.initiator === node(0) && r.end?.outcome === "unsolvable")).toBe(true);
    // It grew over the whole ring looking for room.
    expect(Math.max(...isps.map((r) => r.end!.size))).toBe(6);
    expect(ring.dvms.report().migrations).toEqual([]);
    expect(hosted(ring, node(0))).toHaveLength(4);
    expect([...ring.dvms.states().values()].every((s) => s.kind === "free")).toBe(true);
    expect(ring.problems).toEqual([]);
  });

  it.each([
    [0.15, 0], // 0.6 core: exactly the threshold, not under it
    [0.14, 1],
  ])("starts an ISP only strictly under the threshold (VMs at %f core: %i ISP)", (perVm, count) => {
    const ring = scriptedRing(8, { underload: 0.2 });
    ring.advance(0.5);
    ring.load(node(0), perVm);
    ring.advance(30);
    expect(ring.dvms.isps()).toHaveLength(count);
  });
});
