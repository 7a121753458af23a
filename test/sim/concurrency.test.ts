import { execa } from "execa";
import { parse } from "csv-parse/sync";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MigrationResult } from "../../engine/cluster.ts";
import type { Testbed } from "../../engine/testbed.ts";
import { simTestbed } from "../../plugins/sim/index.ts";
import { BIN, ROOT } from "../engine/cli-helpers.ts";
import { recordingContext } from "./context.ts";
import { B, L, M } from "./precopy.ts";

/** Reference setting (B = S = 125 MB/s, L = 100 µs), VMs idle in memory (no pre-copy round): `vms` VMs all on pm-0000. */
async function booted(vms: number): Promise<{ tb: Testbed; ctx: ReturnType<typeof recordingContext>["ctx"] }> {
  const { ctx } = recordingContext(1);
  const tb = simTestbed.create({ seed: 1, options: { bandwidth: String(B), migrationSpeed: String(B), latency: String(L / 2), dirtyIntensity: "0" }, archiveDir: "/nonexistent", log: () => undefined });
  const nodes = await tb.reserve({ nodes: vms + 1, memoryMiB: 8192 }, ctx);
  await tb.bootVms(nodes.slice(0, 1), { perNode: vms, memoryMiB: 1024 }, ctx);
  return { tb, ctx };
}

describe("concurrent migrations on the sim testbed", () => {
  for (const n of [2, 4]) {
    it(`${n} concurrent migrate calls from one PM overlap and share its uplink: each transfer takes ${n}x a lone one`, async () => {
      const { tb, ctx } = await booted(n);
      const t0 = tb.cluster().now();
      const moves = Array.from({ length: n }, (_, i) => tb.migrate(`vm-0000${i}`, `pm-000${i + 1}`, ctx));
      const results = await Promise.all(moves);
      // Alone: L + M / B then an empty stop-and-copy (L) and the acknowledgement (L). Sharing the
      // source's uplink with n - 1 others, each gets B / n all along: its bytes take n x M / B.
      for (const r of results) {
        expect(r.outcome).toBe("ok");
        expect(r.start).toBe(t0);
        expect(r.end - r.start).toBeCloseTo(n * (M / B) + 3 * L, 9);
      }
      expect(tb.cluster().now()).toBeCloseTo(t0 + n * (M / B) + 3 * L, 9);
    });
  }

  it("a migration during an advance, and one a scheduler starts, overlap with it (max-min sharing, hand-computed)", async () => {
    const { tb, ctx } = await booted(2);
    const runtime = tb.cluster();
    const t0 = runtime.now();
    // The workflow's migration starts at t0; a scheduler-like actor starts another at t0 + 4 from a kernel timer.
    let scheduled: MigrationResult | null = null;
    runtime.setTimer(4, () => runtime.migrate("vm-00001", "pm-0002", (r) => (scheduled = r)));
    const first = tb.migrate("vm-00000", "pm-0001", ctx);
    await tb.advance(2, ctx);
    expect(runtime.now()).toBe(t0 + 2);
    const a = await first;
    // A sends alone from L to 4 + L (4 s at B), then both share B until A is done.
    const aBytesDone = 4 + L + (M - 4 * B) / (B / 2);
    expect(a.end - t0).toBeCloseTo(aBytesDone + 2 * L, 9);
    expect(scheduled).toBeNull();
    await tb.advance(20, ctx);
    const b = scheduled as unknown as MigrationResult;
    expect(b.start - t0).toBeCloseTo(4, 12);
    const bSent = aBytesDone - (4 + L);
    expect(b.end - t0).toBeCloseTo(aBytesDone + (M - bSent * (B / 2)) / B + 2 * L, 6);
  });

  it("workflows/live-migration.ts --param ks=2: the two migrations of each round overlap in metrics/migrations.csv", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-live-migration-"));
    const run = await execa("node", [BIN, "run", "workflows/live-migration.ts", "--param", "ks=2", "--param", "repeats=2", "--seed", "1", "--json", "--results", results], { reject: false, cwd: ROOT, env: { CI: "1" } });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.exitCode).toBe(0);
    const rows = parse(readFileSync(join(JSON.parse(run.stdout).run, "metrics/migrations.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
    for (const repeat of ["0", "1"]) {
      const [a, b] = rows.filter((r) => r.repeat === repeat).map((r) => ({ start: Number(r.start), end: Number(r.end), duration: Number(r.duration), outcome: r.outcome }));
      expect([a.outcome, b.outcome]).toEqual(["ok", "ok"]);
      expect(a.start).toBeLessThan(a.end);
      // Overlapping intervals: each starts before the other ends (here they start together).
      expect(a.start).toBeLessThan(b.end);
      expect(b.start).toBeLessThan(a.end);
      expect(a.start).toBe(b.start);
    }
    const [r0, r1] = [rows[0], rows[2]].map((r) => Number(r.start));
    expect(r1).toBeGreaterThan(r0);
  });
});
