import { rm } from "node:fs/promises";
import type { Host } from "../../../engine/hosts.ts";
import { createHostPool, type HostPool } from "../netns/index.ts";
import { LOCAL_STATE } from "../reservations.ts";
import { libvirtdFiles, startLibvirtd, type LibvirtdFiles } from "./libvirtd.ts";
import { attachNode, createVmBridge } from "./vmnet.ts";

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
const vmLinkName = (prefix: string, i: number): string => `${prefix}-w${i}`;

/**
 * Nodes as Grid'5000 would hand them after a deployment: reachable by SSH,
 * libvirtd running, a bridge for guests. `nodeVmAddress(i)` is node i's CIDR
 * on the guests' network.
 */
export async function deployNodes(prefix: string, count: number, nodeVmAddress: (i: number) => string, log: (m: string) => void): Promise<LocalNodes> {
  const stateDir = stateDirOf(prefix);
  await rm(stateDir, { recursive: true, force: true }); // a crashed run's libvirt trees
  const pool = await createHostPool({ count, prefix });
  try {
    await createVmBridge(vmBridgeName(prefix));
    const nodes: LocalNode[] = [];
    // Sequential on purpose: each libvirtd start probes qemu (CPU-heavy); two cores are shared.
    for (const [index, host] of pool.hosts.entries()) {
      await attachNode(host.name, vmBridgeName(prefix), vmLinkName(prefix, index), nodeVmAddress(index));
      const files = libvirtdFiles(`${stateDir}/${host.name}`);
      await startLibvirtd(host.name, host.name, files);
      nodes.push({ host, index, libvirtd: files });
    }
    log(`deployed ${count} nodes (${pool.subnet}), each with sshd and libvirtd`);
    return { pool, nodes, stateDir };
  } catch (error) {
    await pool.destroy();
    throw error;
  }
}

export async function destroyNodes(nodes: LocalNodes): Promise<void> {
  await nodes.pool.destroy(); // kills everything inside the namespaces: libvirtd, qemu, sshd
  await rm(nodes.stateDir, { recursive: true, force: true });
}
