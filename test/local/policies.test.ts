/**
 * Failure policies on the local testbed's multi-host steps (issue 10): a
 * node killed while deploy runs, a node whose libvirtd died under bootVms;
 * and `x.exec` on the nodes over the pool's SSH.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../engine/policy.ts";
import { PlainProgress } from "../../engine/progress/plain.ts";
import { runWorkflow } from "../../engine/run/runner.ts";
import { listLocalLeftovers } from "../../plugins/local/index.ts";
import "../../plugins/bundled.ts";
import { killNamespace } from "../support/kill.ts";
import { recordingContext } from "./step-context.ts";
import { newLocalTestbed, realTestbedHooks } from "./suite.ts";

const EMPTY = { pools: {}, libvirtd: [], qemu: [], stateDirs: [] };


/** A step context that kills node `victim` (every process of its namespace: its sshd) as soon as deploy starts working on the first node. */
function killingContext(victim: () => string, seed: number) {
  let killing: Promise<number> | null = null;
  const ctx = recordingContext("deploy", seed, (e) => {
    if (e.event === "node-deploying" && killing === null) killing = killNamespace(victim());
  });
  return { ctx, killed: () => killing };
}

describe("failure policies on the local testbed", () => {
  realTestbedHooks();

  it("under 'all', deploy fails with one line naming the node killed mid-step, and release leaves nothing", async () => {
    const tb = newLocalTestbed(11);
    let victim = "";
    const { ctx, killed } = killingContext(() => victim, 11);
    try {
      const reserved = await tb.reserve({ nodes: 3 }, ctx);
      victim = reserved[1].name;
      const error = await tb.deploy(reserved, { policy: { require: "all" } }, ctx).then(() => null, (e: unknown) => e);
      expect(await killed()).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(PolicyError);
      const message = (error as PolicyError).message;
      expect(message).not.toContain("\n");
      expect(message).toMatch(/^deploy: 2 of 3 nodes succeeded, 3 required; failed: /);
      expect((error as PolicyError).failed).toEqual([victim]);
      expect(message).toContain(`node ${victim}: unreachable by SSH`);
      expect(ctx.events.filter((e) => e.event === "host-failed").map((e) => e.host)).toEqual([victim]);
    } finally {
      await tb.release();
    }
    expect(await listLocalLeftovers()).toEqual(EMPTY);
  }, 300_000);

  it("under a fraction, deploy goes on without the killed node, and bootVms retries then excludes the VM of a node whose libvirtd died", async () => {
    const tb = newLocalTestbed(12);
    let victim = "";
    const { ctx, killed } = killingContext(() => victim, 12);
    try {
      const reserved = await tb.reserve({ nodes: 3 }, ctx);
      victim = reserved[1].name;
      const nodes = await tb.deploy(reserved, { policy: { retries: 1, backoff: 0.2, require: { fraction: 0.6 } } }, ctx);
      expect(await killed()).toBeGreaterThan(0);
      expect(nodes.map((n) => n.name)).toEqual([reserved[0].name, reserved[2].name]);
      // Retried once, then given up on and named.
      expect(ctx.events.filter((e) => e.event === "node-deploying" && e.node === victim).map((e) => e.attempt)).toEqual([0, 1]);
      expect(ctx.events.filter((e) => e.event === "retry").map((e) => e.host)).toEqual([victim]);
      expect(ctx.events.find((e) => e.event === "nodes-excluded")).toMatchObject({ step: "deploy", nodes: [victim] });
      expect((await tb.observe()).nodes.filter((n) => n.online).map((n) => n.name)).toEqual(nodes.map((n) => n.name));

      // The second surviving node's libvirtd dies: its guest can never boot.
      const [good, broken] = nodes;
      const prefix = broken.name.split("-")[0];
      process.kill(Number(readFileSync(join("/run/g5k-flow/local", prefix, broken.name, "libvirtd.pid"), "utf8")), "SIGKILL");
      const boot = recordingContext("bootVms", 12);
      const vms = await tb.bootVms(nodes, { perNode: 1, memoryMiB: 256, policy: { retries: 1, backoff: 0.2, require: { fraction: 0.5 } } }, boot);
      expect(vms.map((v) => v.node)).toEqual([good.name]);
      const lost = boot.events.find((e) => e.event === "vm-boot-failed");
      expect(lost).toMatchObject({ node: broken.name });
      expect(boot.events.filter((e) => e.event === "vm-boot-retry")).toMatchObject([{ vm: lost!.vm, node: broken.name, attempt: 0 }]);
      expect(boot.events.find((e) => e.event === "vms-excluded")).toMatchObject({ step: "bootVms", vms: [lost!.vm], nodes: [broken.name] });
      expect(await tb.guestUptime(vms[0].name)).toBeGreaterThan(0);
      const metrics = await tb.collect(boot);
      expect(metrics.counters).toMatchObject({ bootFailures: 1, nodesExcluded: 1, vms: 1 });
      expect(metrics.tables.excluded_nodes).toMatchObject([{ node: victim, step: "deploy", attempts: 2 }]);
    } finally {
      await tb.release();
    }
    expect(await listLocalLeftovers()).toEqual(EMPTY);
  }, 400_000);

  it("x.exec runs on the local nodes over SSH with the pool's key, each command inside its node", async () => {
    const results = mkdtempSync(join(tmpdir(), "lt-exec-"));
    const outcome = await runWorkflow({
      workflowPath: "test/local/fixtures/exec-nodes.ts",
      params: {},
      testbed: "local",
      seed: 1,
      resultsDir: results,
      progress: new PlainProgress(new Writable({ write: (_c, _e, cb) => cb() })),
    });
    expect(outcome.error).toBeNull();
    const summary = JSON.parse(readFileSync(join(outcome.dir, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ where: 2, rank: 2, excluded: 0 });
    const hosts = JSON.parse(readFileSync(join(outcome.dir, "manifest.json"), "utf8")).hosts as string[];
    expect(hosts).toHaveLength(2);
    hosts.forEach((host, rank) => {
      // `ip netns identify` names the namespace the command ran in: the node's own.
      expect(readFileSync(join(outcome.dir, "hosts", host, "where.out"), "utf8").trim()).toBe(host);
      expect(readFileSync(join(outcome.dir, "hosts", host, "rank.out"), "utf8").trim()).toBe(`${host} ${rank}`);
    });
    expect(await listLocalLeftovers()).toEqual(EMPTY);
  }, 300_000);
});
