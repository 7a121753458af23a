import { readFile, rm } from "node:fs/promises";
import type { Host } from "../../../engine/hosts.ts";
import { createHostPool, type HostPool } from "../netns/index.ts";
import { alive, LOCAL_STATE } from "../reservations.ts";
import { libvirtdFiles, startLibvirtd, type LibvirtdFiles } from "./libvirtd.ts";
import { attachNode, createVmBridge, linkExists } from "./vmnet.ts";

export interface LocalNode {
  readonly host: Host;
  readonly index: number;
  readonly libvirtd: LibvirtdFiles;
}

export interface LocalNodes {
  readonly pool: HostPool;
  readonly nodes: readonly LocalNode[];
  /** The run's state directory (libvirt trees of its nodes). */
  readonly stateDir: string;
}

export const stateDirOf = (prefix: string): string => `${LOCAL_STATE}/${prefix}`;
/** Host-side links of a run carry its prefix, so the host pool's cleanup removes them as well. */
export const vmBridgeName = (prefix: string): string => `${prefix}-vb`;
export const vmLinkName = (prefix: string, i: number): string => `${prefix}-w${i}`;

/**
 * Nodes as Grid'5000 would hand them after a deployment: reachable by SSH,
 * libvirtd running, a bridge for guests. `nodeVmAddress(i)` is node i's CIDR
 * on the guests' network.
 */
export async function deployNodes(prefix: string, count: number, nodeVmAddress: (i: number) => string, log: (m: string) => void): Promise<LocalNodes> {
  const { pool, stateDir } = await createNodePool(prefix, count);
  try {
    const nodes: LocalNode[] = [];
    // Sequential on purpose: each libvirtd start probes qemu (CPU-heavy); two cores are shared.
    for (const index of pool.hosts.keys()) nodes.push(await startNode(prefix, pool, index, nodeVmAddress(index)));
    log(`deployed ${count} nodes (${pool.subnet}), each with sshd and libvirtd`);
    return { pool, nodes, stateDir };
  } catch (error) {
    await pool.destroy();
    throw error;
  }
}

/** The nodes' namespaces, each with its sshd, and the controller's bridge for guests; no libvirtd yet. */
export async function createNodePool(prefix: string, count: number): Promise<{ pool: HostPool; stateDir: string }> {
  const stateDir = stateDirOf(prefix);
  await rm(stateDir, { recursive: true, force: true }); // a crashed run's libvirt trees
  const pool = await createHostPool({ count, prefix });
  try {
    await createVmBridge(vmBridgeName(prefix));
  } catch (error) {
    await pool.destroy();
    throw error;
  }
  return { pool, stateDir };
}

/** pid of a node's libvirtd while it runs, else null. */
export async function libvirtdPid(node: LocalNode): Promise<number | null> {
  const pid = Number((await readFile(node.libvirtd.pidFile, "utf8").catch(() => "")).trim());
  return pid > 0 && alive(pid) ? pid : null;
}

/**
 * Node `index` of the pool: its guests' bridge joined to the controller's,
 * and its libvirtd. Run again after a failure, it redoes only what is
 * missing (a retry under a failure policy).
 */
export async function startNode(prefix: string, pool: HostPool, index: number, vmAddress: string): Promise<LocalNode> {
  const host = pool.hosts[index];
  const node: LocalNode = { host, index, libvirtd: libvirtdFiles(`${stateDirOf(prefix)}/${host.name}`) };
  if (!(await linkExists(vmLinkName(prefix, index)))) await attachNode(host.name, vmBridgeName(prefix), vmLinkName(prefix, index), vmAddress);
  if ((await libvirtdPid(node)) === null) {
    await rm(node.libvirtd.pidFile, { force: true }); // a dead daemon's file would pass for the new one's
    await startLibvirtd(host.name, host.name, node.libvirtd);
  }
  return node;
}

export async function destroyNodes(nodes: LocalNodes): Promise<void> {
  await nodes.pool.destroy(); // kills everything inside the namespaces: libvirtd, qemu, sshd
  await rm(nodes.stateDir, { recursive: true, force: true });
}
