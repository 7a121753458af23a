/**
 * In vivo from bare nodes (issue 15): the stand-in reinstalls its namespaced
 * nodes at every deployment (only sshd left), so the g5k testbed must
 * provision them (packages, sysctls, bridge, libvirtd) before any guest
 * boots; one node's libvirtd refuses to start (its port taken) and is
 * retried, then excluded under a `fraction` policy. The base disk is sent
 * once, each guest runs on its own qcow2 overlay of it, and a migrated
 * guest keeps what it wrote to its disk. Everything goes through
 * the namespaced access gateway. Needs root, the local testbed's packages and
 * its guest image.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import type { Vm } from "../../engine/hosts.ts";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import { overlayPath } from "../../plugins/libvirt/index.ts";
import { findProcesses } from "../../plugins/local/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { useNamespacedG5k, type NamespacedG5k } from "./namespaced.ts";

const NODES = 5;

/** Processes of these namespaces, by program (sshd, libvirtd, qemu). */
async function programs(namespaces: readonly string[]): Promise<string[]> {
  const inside = await findProcesses(() => true);
  return inside.filter((p) => p.netns !== null && namespaces.includes(p.netns)).map((p) => (p.argv[0] ?? "").split(/[:\s]/)[0]!.split("/").at(-1)!);
}

describe("g5k in vivo: bare nodes provisioned, guests booted, a node excluded", () => {
  const current = useNamespacedG5k(NODES);
  let env: NamespacedG5k;
  beforeEach(() => {
    env = current();
  });

  it("provisions 4 of 5 bare nodes (the fifth's libvirtd refuses to start), boots 8 guests on overlays of one base disk, migrates one with its disk's data, provisions again as a no-op, releases everything", async () => {
    const broken = env.fqdns[NODES - 1]!;
    env.machines.brokenLibvirtd.add(broken);
    const namespaces = env.machines.hosts.map((h) => h.name);
    // Bare before the run: sshd only.
    expect(new Set(await programs(namespaces))).toEqual(new Set(["sshd"]));

    const ctx = recordingContext("invivo", 15);
    const lines: string[] = [];
    const tb = createG5kTestbed({ seed: 15, options: { ...env.options, jobName: "invivo", provisionRetries: "1" }, archiveDir: mkdtempSync(join(tmpdir(), "g5k-invivo-")), log: (m) => void lines.push(m) }, { env: {} });
    try {
      const reserved = await tb.reserve({ nodes: NODES }, ctx);
      const nodes = await tb.deploy(reserved, { policy: { retries: 1, backoff: 0, require: { fraction: 0.8 } } }, ctx);
      // The broken node: retried once, then excluded, named with its sub-step and reason.
      expect(nodes.map((n) => n.name)).toEqual(env.fqdns.slice(0, 4));
      const retry = ctx.events.filter((e) => e.event === "provision-retry");
      expect(retry.map((e) => [e.node, e.stage])).toEqual([[broken, "libvirtd"]]);
      const failed = ctx.events.filter((e) => e.event === "provision-failed");
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ node: broken, stage: "libvirtd" });
      expect(String(failed[0]!.reason)).toMatch(/libvirtd refused to start/);
      expect(ctx.events.find((e) => e.event === "nodes-excluded")).toMatchObject({ step: "provision", nodes: [broken] });
      // Provisioned from bare: the bridge and libvirtd were made, not found.
      const stages = ctx.events.filter((e) => e.event === "provision-stage");
      expect(stages.map((e) => e.stage)).toEqual(["packages", "sysctl", "bridge", "libvirtd", "verify"]);
      expect(stages.find((e) => e.stage === "bridge")).toMatchObject({ ok: NODES, skipped: 0 });
      expect(stages.find((e) => e.stage === "libvirtd")).toMatchObject({ ok: 4, skipped: 0, failed: 1 });
      // The namespaces share this machine's packages: found installed, not installed again.
      expect(stages.find((e) => e.stage === "packages")).toMatchObject({ ok: NODES, skipped: NODES });

      // Provisioning again: every sub-step finds its work done (its time against the first: bench/invivo.ts).
      const report = await tb.provision(nodes, recordingContext("again", 15));
      expect(report.nodes).toHaveLength(4);
      expect(report.failed).toEqual([]);
      expect(report.skipped).toBe(report.steps - 4); // verify always answers (it reads, it does not skip)

      // 8 guests on the 4 provisioned nodes, each answering SSH through its node and the gateway.
      const vms = await tb.bootVms(nodes, { perNode: 2, vcpus: 1, memoryMiB: 256 }, ctx);
      expect(vms).toHaveLength(8);
      expect(new Set(vms.map((v) => v.node))).toEqual(new Set(env.fqdns.slice(0, 4)));
      expect(ctx.events.filter((e) => e.event === "vm-booted")).toHaveLength(8);
      // The image (kernel, initramfs, base disk) went down the relay tree once; the other nodes (one file system here) found it by its checksum.
      expect(lines.filter((l) => /broadcast to 1 of 4 node\(s\), 3 already held it/.test(l))).toHaveLength(3);
      expect(lines.some((l) => /base\.qcow2 broadcast to 1 of 4 node\(s\), 3 already held it/.test(l))).toBe(true);
      // One base disk for the 8 guests, each guest on its own qcow2 overlay backed by it, in its node's libvirt pool.
      const bases = readdirSync(env.options.imageDir!).filter((f) => f.endsWith("-base.qcow2"));
      expect(bases).toHaveLength(1);
      const base = join(env.options.imageDir!, bases[0]!);
      const overlayOf = (vm: Vm): string => join(env.options.libvirtDir!, vm.node!, "lib", overlayPath(vm.name).replace(/^\/var\/lib\/libvirt\//, ""));
      for (const vm of vms) {
        const info = JSON.parse((await execa("qemu-img", ["info", "--output=json", "-U", overlayOf(vm)])).stdout) as Record<string, unknown>;
        expect(info).toMatchObject({ format: "qcow2", "backing-filename": base, "backing-filename-format": "qcow2" });
        // An overlay holds only what its guest wrote: far less than the base's 64 MiB.
        expect(Number(info["actual-size"])).toBeLessThan(8 * 1024 * 1024);
      }

      // A guest writes to its disk (the overlay mounted at /disk), through its node and the gateway.
      const runner = tb.processRunner();
      const inGuest = async (vm: Vm, script: string): Promise<string> => {
        const via = nodes.find((n) => n.name === vm.node)!;
        const r = await runner.exec({ ...vm, jump: via }, 0, { argv: ["sh", "-c", script], timeout: 60 });
        expect(r.status, r.stderr).toBe("ok");
        return r.stdout;
      };
      const vm = vms[0]!;
      const written = `written by ${vm.name} before its migration`;
      expect(await inGuest(vm, `mount | grep ' /disk ' && cat /disk/etc/g5k-image && echo '${written}' > /disk/data && sync`)).toMatch(/^\/dev\/vda on \/disk type ext4[^]*g5k-flow guest disk/);

      // One live migration between two provisioned nodes (distinct host UUIDs, or libvirt refuses), the overlay's blocks with it.
      const to = nodes.find((n) => n.name !== vm.node)!;
      const moved = await tb.migrate(vm.name, to.name, ctx);
      expect(moved).toMatchObject({ vm: vm.name, from: vm.node, to: to.name, outcome: "ok" });
      expect((await tb.observe()).vms.find((v) => v.name === vm.name)?.node).toBe(to.name);
      // Its data read back from the disk at the destination (page cache dropped), the overlay there backed by the same base, the source's gone.
      const there = { ...vm, node: to.name };
      expect((await inGuest(there, "echo 3 > /proc/sys/vm/drop_caches && cat /disk/data")).trim()).toBe(written);
      const moved2 = JSON.parse((await execa("qemu-img", ["info", "--output=json", "-U", overlayOf(there)])).stdout) as Record<string, unknown>;
      expect(moved2["backing-filename"]).toBe(base);
      expect(existsSync(overlayOf(vm))).toBe(false);

    } finally {
      await tb.release();
    }
    // Release: no guest left; then the stand-in's machines go and nothing of theirs remains.
    expect((await programs(namespaces)).filter((p) => p.startsWith("qemu"))).toEqual([]);
    await env.close();
    const left = await execa("ip", ["netns", "list"]);
    for (const ns of namespaces) expect(left.stdout).not.toContain(ns);
    expect(await programs(namespaces)).toEqual([]);
  }, 900_000);
});
