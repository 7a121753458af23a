/**
 * Issue 9's end to end: `--testbed g5k` against the stand-in API whose nodes
 * are local namespaces (sshd + libvirtd each) reached only through a
 * namespaced access gateway; real qemu guests (TCG here), real stress-ng,
 * real `virsh migrate --live`. Needs root, the local testbed's Debian
 * packages and its guest image (built once, cached).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { readJournal, readManifest } from "../../engine/archive/run-archive.ts";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { ROOT } from "../engine/cli-helpers.ts";
import { useNamespacedG5k, type NamespacedG5k } from "./namespaced.ts";
import { qemuCount } from "./qemu-count.ts";

const BIN = join(ROOT, "bin/g5k-flow.js");
const NODES = 4;

const csv = (file: string): Record<string, string>[] => {
  const [head, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const cols = head!.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [cols[i], v])));
};

/** Whether this process can open a TCP connection to address:22. */
const reachable = (address: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: address, port: 22, timeout: 1000 });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });

const qemuOf = (env: NamespacedG5k): Promise<number> => qemuCount(env.machines.hosts.map((h) => h.name));

describe("g5k testbed end to end: stand-in API, namespaced nodes behind a gateway, real guests", () => {
  const current = useNamespacedG5k(NODES);
  let env: NamespacedG5k;
  beforeEach(() => {
    env = current();
  });

  it("reaches the nodes only through the gateway", async () => {
    expect(await reachable(env.machines.hosts[0]!.address)).toBe(false);
    expect(await reachable(env.gateway.address)).toBe(true);
  });

  it("runs workflows/dvms-vs-entropy.ts (4 PMs, entropy and none) with --testbed g5k, then leaves no guest and no job", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-e2e-"));
    const opts = Object.entries(env.options).flatMap(([k, v]) => ["--testbed-opt", `${k}=${v}`]);
    const params = ["pms=4", "vmsPerPm=1", "schedulers=entropy,none", "duration=20s", "loadMean=0.8", "loadStd=0.1"].flatMap((p) => ["--param", p]);
    const run = await execa("node", [BIN, "run", "workflows/dvms-vs-entropy.ts", "--testbed", "g5k", ...params, ...opts, "--seed", "5", "--json", "--results", results], { reject: false, cwd: ROOT, env: { CI: "1" } });
    expect(run.stderr).not.toMatch(/error|fail/i);
    expect(run.exitCode).toBe(0);
    const printed = JSON.parse(run.stdout) as { run: string; summary: { results: Array<{ scheduler: string; scale: number }> } };
    expect(printed.summary.results.map((r) => `${r.scheduler}@${r.scale}`)).toEqual(["entropy@4", "none@4"]);

    const dir = printed.run;
    expect(readManifest(dir)).toMatchObject({ status: "ok", testbed: { kind: "g5k" } });
    const journal = readJournal(dir);
    // Both points planned their guests from the job's /22 and booted every one on the namespaced nodes.
    const plans = journal.filter((e) => e.event === "g5k-vm-plan") as unknown as Array<{ vms: Array<{ node: string; ip: string }> }>;
    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      expect(plan.vms.map((v) => v.node)).toEqual(env.fqdns);
      expect(plan.vms.map((v) => v.ip)).toEqual(["10.156.0.1", "10.156.0.2", "10.156.0.3", "10.156.0.4"]);
    }
    expect(journal.filter((e) => e.event === "vm-booted")).toHaveLength(2 * NODES);
    // stress-ng ran in every guest, and the CPU poller read libvirt's counters through the gateway.
    expect(csv(join(dir, "metrics", "scales.csv")).map((r) => r.scheduler)).toEqual(["entropy", "none"]);
    const collected = journal.filter((e) => e.event === "step-end" && String(e.step).endsWith("collect"));
    expect(collected).toHaveLength(2);
    for (const c of collected) expect(JSON.stringify(c)).toMatch(/"cpuPolls":([3-9]|\d\d+)/);
    // The stand-in's jobs were deleted at the end of each point; the guests were destroyed.
    const jobs = [...env.standin.store.jobs.values()];
    expect(jobs).toHaveLength(2);
    expect(jobs.every((j) => j.deletedAt !== undefined)).toBe(true);
    expect(await qemuOf(env)).toBe(0);
    // The image was broadcast once (the namespaces share one file system), then found in place by its checksum.
    expect(journal.filter((e) => /broadcast to 1 of 4 node\(s\), 3 already held it/.test(String(e.message ?? ""))).length).toBeGreaterThanOrEqual(1);
    expect(existsSync(env.options.imageDir!)).toBe(true);
  }, 600_000);

  it("live-migrates a guest between two nodes through the gateway: it keeps its uptime and answers at the destination", async () => {
    const ctx = recordingContext("migrate", 9);
    const tb = createG5kTestbed({ seed: 9, options: { ...env.options, jobName: "migrate" }, archiveDir: mkdtempSync(join(tmpdir(), "g5k-arch-")), log: () => undefined }, { env: {} });
    try {
      const nodes = await tb.deploy(await tb.reserve({ nodes: 2 }, ctx), {}, ctx);
      expect(nodes.map((n) => n.jump?.address)).toEqual([env.gateway.address, env.gateway.address]);
      // x.exec's runner: commands reach each node's namespace through the gateway.
      const names = await Promise.all(nodes.map((n, i) => tb.processRunner().exec(n, i, { argv: ["hostname"] })));
      expect(names.map((r) => r.stdout.trim())).toEqual(env.machines.hosts.slice(0, 2).map((h) => h.name));

      const [vm] = await tb.bootVms(nodes.slice(0, 1), { perNode: 1, vcpus: 1, memoryMiB: 256 }, ctx);
      await tb.stress([vm!], { kind: "constant", load: 0.5, dirtyIntensity: 0.1 }, ctx);
      const result = await tb.migrate(vm!.name, nodes[1]!.name, ctx);
      expect(result).toMatchObject({ vm: vm!.name, from: nodes[0]!.name, to: nodes[1]!.name, outcome: "ok" });
      expect(result.downtime).toBeGreaterThan(0);
      const metrics = await tb.collect(ctx);
      const row = metrics.tables.migrations![0]!;
      expect(Number(row.uptimeAfter)).toBeGreaterThan(Number(row.uptimeBefore));
      const seen = await tb.observe();
      expect(seen.vms.map((v) => [v.name, v.node])).toEqual([[vm!.name, nodes[1]!.name]]);
      expect(seen.vms[0]!.cpuDemand).toBeGreaterThan(0.1);
    } finally {
      await tb.release();
    }
    expect(await qemuOf(env)).toBe(0);
  }, 300_000);
});
