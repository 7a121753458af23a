/**
 * Provisioning again checks every sub-step without starting a process on
 * the nodes (scripts.ts, probeScript), yet still finds a node that is no
 * longer provisioned: one sub-step undone on one of two provisioned nodes
 * (libvirtd stopped, the VMs' bridge gone, a host UUID shared with the
 * other node) makes the probe send that node, alone, through the
 * sub-steps, and only the undone one does work. The ARP sysctls and the
 * packages, which the stand-in's namespaces share with this machine, are
 * checked in provision-scripts.test.ts. Needs root and the local testbed's
 * packages.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import { hostUuid, LAUNCH, NODE_VM_BRIDGE } from "../../plugins/libvirt/index.ts";
import { NODE_UPLINK } from "../../plugins/local/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { useNamespacedG5k, type NamespacedG5k } from "./namespaced.ts";

const SUBSTEPS = ["packages", "sysctl", "bridge", "libvirtd", "verify"];

describe("g5k provisioning again: a node with one sub-step undone is found and only that sub-step redone", () => {
  const current = useNamespacedG5k(2);
  let env: NamespacedG5k;
  beforeEach(() => {
    env = current();
  });

  it("redoes libvirtd when it was stopped, the bridge when it was removed, libvirtd when its host UUID is another node's; a no-op otherwise", async () => {
    const ctx = recordingContext("undo", 15);
    const tb = createG5kTestbed({ seed: 15, options: { ...env.options, jobName: "undo" }, archiveDir: mkdtempSync(join(tmpdir(), "g5k-undo-")), log: () => undefined }, { env: {} });
    try {
      const nodes = await tb.deploy(await tb.reserve({ nodes: 2 }, ctx), {}, ctx);
      expect(nodes).toHaveLength(2);
      const [other, node] = [nodes[0]!.name, nodes[1]!.name];
      const ns = env.machines.byFqdn.get(node)!.name;
      const dir = join(env.options.libvirtDir, node);
      const inNs = (...argv: string[]) => execa("ip", ["netns", "exec", ns, ...argv]);
      const pid = () => Number(readFileSync(join(dir, "libvirtd.pid"), "utf8").trim());
      const stopLibvirtd = async () => {
        const p = pid();
        process.kill(p, "SIGTERM");
        for (let i = 0; i < 200 && (await execa("kill", ["-0", String(p)], { reject: false })).exitCode === 0; i++) await sleep(50);
      };

      /** Provisions both nodes again; what the probe found and which sub-steps did work on the node it sent through them. */
      const again = async () => {
        const c = recordingContext("again", 15);
        const report = await tb.provision(nodes, c);
        expect(report.failed).toEqual([]);
        expect(report.nodes.map((n) => n.name)).toEqual([other, node]);
        const probe = c.events.find((e) => e.event === "provision-probe");
        const stages = c.events.filter((e) => e.event === "provision-stage");
        expect(stages.every((e) => e.ok === (probe?.todo ?? 0) && e.failed === 0)).toBe(true);
        // verify reads, it never skips: the sub-steps that did work are the others that did not find it done.
        const redone = stages.filter((e) => e.stage !== "verify" && e.skipped === 0).map((e) => e.stage);
        return { ready: probe?.ready, todo: probe?.todo, ran: stages.map((e) => e.stage), redone };
      };

      expect(await again()).toEqual({ ready: 2, todo: 0, ran: [], redone: [] });

      await stopLibvirtd();
      expect(await again()).toEqual({ ready: 1, todo: 1, ran: SUBSTEPS, redone: ["libvirtd"] });

      // The bridge removed, its address back on the plain interface: as the stand-in's reinstall leaves a node.
      const address = (await inNs("ip", "-o", "-4", "addr", "show", "dev", NODE_VM_BRIDGE)).stdout.split(/\s+/)[3]!;
      await inNs("ip", "link", "del", NODE_VM_BRIDGE);
      await inNs("ip", "addr", "replace", address, "dev", NODE_UPLINK);
      expect(await again()).toEqual({ ready: 1, todo: 1, ran: SUBSTEPS, redone: ["bridge"] });

      // libvirtd restarted with the other node's host UUID: it answers, but migrations between the two would be refused.
      await stopLibvirtd();
      const conf = join(dir, "etc/libvirtd.conf");
      writeFileSync(conf, readFileSync(conf, "utf8").replace(hostUuid(node), hostUuid(other)));
      await inNs("unshare", "--mount", "--uts", "--", "sh", "-c", LAUNCH, "libvirtd-launch", dir, node);
      expect(await again()).toEqual({ ready: 1, todo: 1, ran: SUBSTEPS, redone: ["libvirtd"] });
      expect(readFileSync(conf, "utf8")).toContain(`host_uuid = "${hostUuid(node)}"`);

      expect(await again()).toEqual({ ready: 2, todo: 0, ran: [], redone: [] });
    } finally {
      await tb.release();
    }
  }, 600_000);
});
