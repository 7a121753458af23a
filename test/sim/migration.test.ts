import { describe, expect, it } from "vitest";
import type { MigrationResult } from "../../engine/cluster.ts";
import { createSimCluster, type SimClusterSpec } from "../../plugins/sim/index.ts";
import { B, L, M, precopy } from "./precopy.ts";

function cluster(extra: Partial<SimClusterSpec> = {}) {
  return createSimCluster({ seed: 1, nodes: 6, vmsPerNode: 4, bandwidth: B, migrationSpeed: B, latency: L / 2, dirtyIntensity: 0, ...extra });
}

/** Starts the moves now, runs `span` more seconds, returns the results in completion order. */
function migrateAll(c: ReturnType<typeof cluster>, moves: [string, string][], span = 1e5): MigrationResult[] {
  const out: MigrationResult[] = [];
  for (const [vm, to] of moves) c.runtime.migrate(vm, to, (r) => out.push(r));
  c.run(c.runtime.now() + span);
  return out;
}

describe("pre-copy migration model", () => {
  it("idle VM: one full copy, no round, M/b + 3L (8.590 s)", () => {
    const c = cluster();
    const [r] = migrateAll(c, [["vm-00000", "pm-0001"]]);
    expect(r.outcome).toBe("ok");
    expect(r.rounds).toBe(0);
    expect(r.end - r.start).toBeCloseTo(M / B + 3 * L, 9);
    expect(r.end - r.start).toBeCloseTo(8.59, 3);
    expect(r.downtime).toBeCloseTo(L, 12);
    expect(c.placement().get("vm-00000")).toBe("pm-0001");
  });

  it("dirtying VM (p = 10 %, 100 % CPU): the geometric series, 9.544 s, 2 rounds, 8.7 ms downtime", () => {
    const c = cluster({ dirtyIntensity: 0.1 });
    c.setVmLoad("vm-00000", 1);
    const [r] = migrateAll(c, [["vm-00000", "pm-0001"]]);
    const expected = precopy(0.1, 1, 1);
    expect(r.outcome).toBe("ok");
    expect(r.rounds).toBe(2);
    expect(r.end - r.start).toBeCloseTo(expected.total, 9);
    expect(r.end - r.start).toBeCloseTo(9.544, 3);
    expect(r.downtime).toBeCloseTo(expected.downtime, 9);
    expect(r.downtime).toBeCloseTo(0.0087, 4);
  });

  it("dirtying scales with CPU use: half load dirties half as fast", () => {
    const c = cluster({ dirtyIntensity: 0.2 });
    c.setVmLoad("vm-00000", 0.5);
    const [r] = migrateAll(c, [["vm-00000", "pm-0001"]]);
    const expected = precopy(0.2, 0.5, 1);
    expect(r.rounds).toBe(expected.rounds);
    expect(r.end - r.start).toBeCloseTo(expected.total, 9);
  });

  it("4 at once on one link share it fairly: 57.253 s each", () => {
    const c = cluster({ dirtyIntensity: 0.1 });
    const moves: [string, string][] = [];
    for (let i = 0; i < 4; i++) {
      c.setVmLoad(`vm-0000${i}`, 1);
      moves.push([`vm-0000${i}`, `pm-000${i + 1}`]);
    }
    const results = migrateAll(c, moves);
    const expected = precopy(0.1, 1, 4);
    for (const r of results) {
      expect(r.outcome).toBe("ok");
      expect(r.end - r.start).toBeCloseTo(expected.total, 6);
      expect(r.end - r.start).toBeCloseTo(57.253, 3);
      expect(r.rounds).toBe(expected.rounds);
    }
  });

  it("non-converging (p = 40 %, 4 at once): stops at the round cap, VM stays, memory returned", () => {
    // pm-0005 has room for exactly 4 more VMs: a fifth is rejected while the 4 are in flight.
    const c = cluster({ dirtyIntensity: 0.4, maxRounds: 5, memoryMiB: 8192 });
    const moves: [string, string][] = [];
    for (let i = 0; i < 4; i++) {
      c.setVmLoad(`vm-0000${i}`, 1);
      moves.push([`vm-0000${i}`, "pm-0005"]);
    }
    moves.push(["vm-00004", "pm-0005"]);
    const all = migrateAll(c, moves);
    expect(all[0]).toMatchObject({ vm: "vm-00004", outcome: "rejected" });
    const results = all.slice(1);
    expect(results).toHaveLength(4);
    const expected = precopy(0.4, 1, 4, 5);
    expect(expected.converged).toBe(false);
    for (const r of results) {
      expect(r.outcome).toBe("not-converged");
      expect(r.rounds).toBe(5);
      expect(r.end - r.start).toBeCloseTo(expected.total, 6);
      expect(c.placement().get(r.vm)).toBe("pm-0000");
    }
    // The reservations were returned: pm-0005 takes 4 VMs again.
    const after = migrateAll(c, [4, 5, 6, 7].map((i) => [`vm-0000${i}`, "pm-0005"] as [string, string]));
    expect(after.map((r) => r.outcome)).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("a migration joining later slows the first one down (max-min sharing, hand-computed)", () => {
    const c = cluster();
    const out: MigrationResult[] = [];
    c.runtime.migrate("vm-00000", "pm-0001", (r) => out.push(r));
    c.run(4);
    c.runtime.migrate("vm-00001", "pm-0002", (r) => out.push(r));
    c.run(1e4);
    expect(out).toHaveLength(2);
    const [a, b] = out;
    expect([a.vm, b.vm]).toEqual(["vm-00000", "vm-00001"]);
    // A sends alone from L to 4 + L (4 s at B), then both share B from 4 + L until A is done.
    const aBytesDone = 4 + L + (M - 4 * B) / (B / 2);
    expect(a.end).toBeCloseTo(aBytesDone + 2 * L, 9);
    // By then B sent as much as A did in the shared phase; the rest goes at the full B.
    const bSent = aBytesDone - (4 + L);
    expect(b.end).toBeCloseTo(aBytesDone + (M - bSent * (B / 2)) / B + 2 * L, 6);
  });

  it("flows into one destination share its downlink", () => {
    const c = cluster();
    const results = migrateAll(c, [["vm-00000", "pm-0005"], ["vm-00004", "pm-0005"]]);
    for (const r of results) expect(r.end - r.start).toBeCloseTo(L + M / (B / 2) + 2 * L, 9);
  });

  it("rejects a destination without free memory and leaves everything in place", () => {
    const c = cluster({ memoryMiB: 4096 });
    const [r] = migrateAll(c, [["vm-00000", "pm-0001"]]);
    expect(r).toMatchObject({ outcome: "rejected", from: "pm-0000", to: "pm-0001" });
    expect(r.end).toBe(r.start);
    expect(c.placement().get("vm-00000")).toBe("pm-0000");
  });

  it("reserves destination memory at start: a second concurrent migration that would not fit is rejected", () => {
    const c = cluster({ memoryMiB: 5120 });
    const results = migrateAll(c, [["vm-00000", "pm-0001"], ["vm-00004", "pm-0002"], ["vm-00008", "pm-0001"]]);
    expect(results.map((r) => [r.vm, r.outcome])).toEqual([["vm-00008", "rejected"], ["vm-00000", "ok"], ["vm-00004", "ok"]]);
  });

  it("rejects a VM already migrating or already on the destination", () => {
    const c = cluster();
    const results = migrateAll(c, [["vm-00000", "pm-0001"], ["vm-00000", "pm-0002"], ["vm-00001", "pm-0000"]]);
    expect(results.map((r) => [r.vm, r.outcome, r.reason])).toEqual([
      ["vm-00000", "rejected", "already migrating"],
      ["vm-00001", "rejected", "already on the destination"],
      ["vm-00000", "ok", undefined],
    ]);
  });

  it("fails migrations of a crashed node; the VM stays on its source", () => {
    const c = cluster();
    const out: MigrationResult[] = [];
    c.runtime.migrate("vm-00000", "pm-0001", (r) => out.push(r));
    c.run(2);
    c.crashNode("pm-0001");
    c.run(100);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ outcome: "failed", end: 2 });
    expect(c.placement().get("vm-00000")).toBe("pm-0000");
    const later: MigrationResult[] = [];
    c.runtime.migrate("vm-00001", "pm-0001", (r) => later.push(r));
    c.run(200);
    expect(later[0].outcome).toBe("failed");
  });

  it("throws a usage error for unknown names", () => {
    const c = cluster();
    expect(() => c.runtime.migrate("vm-99999", "pm-0001", () => undefined)).toThrow(/unknown VM/);
    expect(() => c.runtime.migrate("vm-00000", "pm-9999", () => undefined)).toThrow(/unknown node/);
  });
});
