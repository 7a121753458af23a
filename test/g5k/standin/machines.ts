/**
 * The stand-in's machines: local network namespaces, each with only its own
 * sshd and a plain interface on the guests' network, as a minimal
 * environment leaves a node after Kadeploy. A deployment reinstalls them:
 * every process but sshd killed (libvirtd, qemu), their libvirt state wiped,
 * the VMs' bridge removed and its address back on the plain interface. So a
 * run against the stand-in provisions its nodes from bare, every time.
 */
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import type { Host } from "../../../engine/hosts.ts";
import { LIBVIRT_TCP_PORT, NODE_VM_BRIDGE } from "../../../plugins/libvirt/index.ts";
import { attachBareNode, createNodePool, findProcesses, NODE_UPLINK, vmBridgeName, vmLinkName, type HostPool } from "../../../plugins/local/index.ts";

export interface Machines {
  readonly pool: HostPool;
  readonly hosts: readonly Host[];
  /** Node FQDN (as the stand-in hands it out) -> its namespace. */
  readonly byFqdn: ReadonlyMap<string, Host>;
  /** Reinstalls these nodes (by FQDN); unknown names are not machines of ours. */
  reinstall(fqdns: readonly string[]): Promise<void>;
  /** Node FQDNs whose libvirtd must refuse to start (its port taken), for fault injection. */
  readonly brokenLibvirtd: Set<string>;
  destroy(): Promise<void>;
}

const ipIn = (ns: string, args: readonly string[]) => execa("ip", ["netns", "exec", ns, "ip", ...args], { reject: false });

/** Holds libvirt's TCP port in a namespace, so the libvirtd started there refuses to start (as a broken install would). */
const PORT_HOLDER = ["busybox", "nc", "-l", "-p", String(LIBVIRT_TCP_PORT)];

/**
 * Bare machines named after `fqdns`; machine i holds `address(i)` (CIDR) on
 * the guests' network. `libvirtDir/<fqdn>` is a machine's libvirt state and
 * `imageDir` the disk area images are put in (one for all: the machines share
 * this file system), both wiped by a reinstall.
 */
export async function bareMachines(prefix: string, fqdns: readonly string[], address: (i: number) => string, libvirtDir: string, imageDir: string): Promise<Machines> {
  const { pool } = await createNodePool(prefix, fqdns.length);
  const byFqdn = new Map(fqdns.map((f, i) => [f, pool.hosts[i]!]));
  const brokenLibvirtd = new Set<string>();
  const reset = async (fqdn: string): Promise<void> => {
    const host = byFqdn.get(fqdn);
    if (!host) return;
    const i = pool.hosts.indexOf(host);
    // Power cycle: nothing survives but sshd (the node's ssh access).
    for (const p of await findProcesses(() => true)) {
      if (p.netns === host.name && !p.argv.join(" ").includes("sshd")) process.kill(p.pid, "SIGKILL");
    }
    await rm(`${libvirtDir}/${fqdn}`, { recursive: true, force: true });
    await rm(imageDir, { recursive: true, force: true });
    await ipIn(host.name, ["link", "del", NODE_VM_BRIDGE]);
    if ((await ipIn(host.name, ["link", "show", "dev", NODE_UPLINK])).exitCode !== 0) {
      await attachBareNode(host.name, vmBridgeName(prefix), vmLinkName(prefix, i), address(i));
    } else {
      await ipIn(host.name, ["addr", "replace", address(i), "dev", NODE_UPLINK]);
      await ipIn(host.name, ["link", "set", NODE_UPLINK, "up"]);
    }
    if (brokenLibvirtd.has(fqdn)) {
      const holder = execa("ip", ["netns", "exec", host.name, ...PORT_HOLDER], { reject: false, detached: true, stdio: "ignore" });
      holder.unref();
      // Held before the reinstall ends: a loaded machine may start nc after the provisioning's libvirtd took the port.
      for (let tries = 0; tries < 100; tries++) {
        const listening = await execa("ip", ["netns", "exec", host.name, "ss", "-Hltn", `sport = :${LIBVIRT_TCP_PORT}`], { reject: false });
        if (listening.stdout.trim()) break;
        await sleep(100);
      }
    }
  };
  const reinstall = async (names: readonly string[]): Promise<void> => {
    await Promise.all(names.map(reset));
  };
  try {
    await reinstall(fqdns);
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  return {
    pool,
    hosts: pool.hosts,
    byFqdn,
    reinstall,
    brokenLibvirtd,
    destroy: async () => {
      await pool.destroy(); // every process inside the namespaces: sshd, libvirtd, qemu, port holders
      await Promise.all(fqdns.map((f) => rm(`${libvirtDir}/${f}`, { recursive: true, force: true })));
    },
  };
}
