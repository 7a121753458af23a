import { describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import type { Testbed } from "../../engine/testbed.ts";
import { simTestbed } from "../../plugins/sim/index.ts";
import { STEP_DURATIONS } from "../../plugins/sim/constants.ts";
import { recordingContext } from "./context.ts";

function testbed(options: Record<string, string> = {}): Testbed {
  return simTestbed.create({ seed: 9, options, archiveDir: "/nonexistent", log: () => undefined });
}

describe("sim testbed", () => {
  it("runs reserve, deploy, boot, stress, advance, migrate, collect, release on the simulated clock", async () => {
    const { ctx, journal, progress } = recordingContext(9);
    const tb = testbed({ dirtyIntensity: "0" });
    expect(simTestbed.name).toBe("sim");
    const nodes = await tb.reserve({ nodes: 20, cores: 4, memoryMiB: 16384 }, ctx);
    expect(nodes.map((n) => n.name).slice(0, 2)).toEqual(["pm-0000", "pm-0001"]);
    expect(nodes[0].capacity).toEqual({ cores: 4, memoryMiB: 16384 });
    await tb.deploy(nodes, { image: "debian-kvm" }, ctx);
    const vms = await tb.bootVms(nodes, { perNode: 4, memoryMiB: 2048, placement: { policy: "packed" } }, ctx);
    expect(vms).toHaveLength(80);
    expect(vms[5]).toMatchObject({ name: "vm-00005", node: "pm-0001", memoryMiB: 2048, vcpus: 1 });
    const runtime = tb.cluster();
    const provisioning = STEP_DURATIONS.reserve(20) + STEP_DURATIONS.deploy(20) + STEP_DURATIONS.bootVms(4);
    expect(runtime.now()).toBeCloseTo(provisioning, 9);
    await tb.stress(vms, { kind: "gaussian", mean: 0.7, std: 0.3 }, ctx);
    await tb.advance(600, ctx);
    expect(runtime.now()).toBeCloseTo(provisioning + 600, 9);
    expect(progress.at(-1)).toEqual({ done: 600, total: 600 });
    const result = await tb.migrate("vm-00000", "pm-0019", ctx);
    expect(result.outcome).toBe("ok");
    expect(result.end - result.start).toBeCloseTo((2048 * 2 ** 20) / 125e6 + 3 * 100e-6, 6);
    expect(runtime.now()).toBe(result.end);
    expect((await tb.observe()).vms[0].node).toBe("pm-0019");
    const metrics = await tb.collect(ctx);
    expect(metrics.clock).toBe("simulated");
    expect(metrics.start).toBeCloseTo(provisioning, 9);
    expect(metrics.duration).toBeCloseTo(600 + (result.end - result.start), 9);
    expect(metrics.migrations).toEqual([result]);
    expect(metrics.counters.loadChanges).toBeGreaterThan(100);
    expect(metrics.counters.events).toBeGreaterThanOrEqual(metrics.counters.loadChanges);
    expect(journal.map((e) => e.event)).toEqual(["sim.stress", "sim.migration", "sim.collect"]);
    expect(tb.describe()).toMatchObject({ kind: "sim", seed: 9, nodes: 20, vms: 80, computeTime: "deterministic" });
    await tb.release();
    await tb.release();
    expect(() => tb.cluster()).toThrow(UsageError);
  });

  it("places VMs round-robin by default and as given", async () => {
    const { ctx } = recordingContext(1);
    const tb = testbed();
    const nodes = await tb.reserve({ nodes: 3 }, ctx);
    const vms = await tb.bootVms(nodes.slice(1), { perNode: 2 }, ctx);
    expect(vms.map((v) => v.node)).toEqual(["pm-0001", "pm-0002", "pm-0001", "pm-0002"]);
    const given = testbed();
    const n2 = await given.reserve({ nodes: 2 }, ctx);
    const map = { "vm-00000": "pm-0001", "vm-00001": "pm-0001" };
    expect((await given.bootVms(n2.slice(1), { perNode: 2, placement: { policy: "given", map } }, ctx)).map((v) => v.node)).toEqual(["pm-0001", "pm-0001"]);
    const bad = testbed();
    const n3 = await bad.reserve({ nodes: 2 }, ctx);
    await expect(bad.bootVms(n3.slice(0, 1), { perNode: 1, placement: { policy: "given", map: { "vm-00000": "pm-0001" } } }, ctx)).rejects.toThrow(/no node among the booted/);
  });

  it("honours an abort while advancing, with progress on the way", async () => {
    const controller = new AbortController();
    const { ctx, progress } = recordingContext(1, controller.signal);
    const tb = testbed();
    const nodes = await tb.reserve({ nodes: 2000 }, ctx);
    const vms = await tb.bootVms(nodes, { perNode: 8 }, ctx);
    await tb.stress(vms, { kind: "gaussian", mean: 0.6, std: 0.2, loadPeriod: 0.01 }, ctx);
    const before = progress.length;
    setTimeout(() => controller.abort(new Error("stop now")), 150);
    await expect(tb.advance(1e9, ctx)).rejects.toThrow("stop now");
    const reported = progress.slice(before);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((p) => p.total === 1e9 && p.done > 0 && p.done < 1e9)).toBe(true);
    await tb.release();
  });

  it("rejects bad input with one-line usage errors", async () => {
    const { ctx } = recordingContext(1);
    expect(() => testbed({ speed: "1" })).toThrow(/unknown sim testbed option 'speed'/);
    expect(() => testbed({ latency: "fast" })).toThrow(/latency must be a non-negative number/);
    expect(() => testbed({ crashDuration: "10" })).toThrow(/needs crashMeanInterval/);
    const tb = testbed();
    await expect(tb.reserve({ nodes: 0 }, ctx)).rejects.toThrow(UsageError);
    expect(() => tb.cluster()).toThrow(/boot VMs first/);
    const nodes = await tb.reserve({ nodes: 2, memoryMiB: 2048 }, ctx);
    await expect(tb.bootVms(nodes, { perNode: 3 }, ctx)).rejects.toThrow(/need 3072 MiB/);
    const vms = await tb.bootVms(nodes, { perNode: 1 }, ctx);
    await expect(tb.stress(vms, { kind: "gaussian", mean: 1.5, std: 0.1 }, ctx)).rejects.toThrow(/mean must be between 0 and 1/);
    await expect(tb.advance(-1, ctx)).rejects.toThrow(/duration >= 0/);
    await expect(tb.migrate("vm-00000", "pm-0042", ctx)).rejects.toThrow(/unknown node 'pm-0042'/);
  });
});
