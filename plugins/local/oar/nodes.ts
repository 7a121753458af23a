import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createHostPool, destroyPool, sh } from "../netns/index.ts";
import { alive } from "../reservations.ts";
import { NODE_PREFIX, OAR_RUN } from "./names.ts";

/** One OAR resource: a namespace with OAR's own sshd (port 6667, user oar). */
export interface OarNode {
  readonly name: string;
  readonly address: string;
  readonly sshdPid: number;
}

const NODES_FILE = `${OAR_RUN}/nodes.json`;

/** The node namespaces as last set up, when every one still runs OAR's sshd. */
export async function liveOarNodes(): Promise<OarNode[] | null> {
  if (!existsSync(NODES_FILE)) return null;
  const nodes = JSON.parse(await readFile(NODES_FILE, "utf8")) as OarNode[];
  return nodes.length > 0 && nodes.every((n) => alive(n.sshdPid)) ? nodes : null;
}

/**
 * OAR's node daemon is its sshd: the server reaches each node on port 6667
 * as oar to launch jobs. It runs in the node's namespace, with the node's
 * hostname (own UTS namespace); its pid file lives in the pool's state
 * folder, so removing the pool stops it. Names and paths are positional
 * parameters of a constant script.
 */
const LAUNCH = 'hostname "$1" && exec /usr/sbin/sshd -f /etc/oar/sshd_config -o PidFile="$2" -o ListenAddress="$3"';

async function startOarSshd(namespace: string, address: string, pidFile: string): Promise<number> {
  await sh("ip", ["netns", "exec", namespace, "unshare", "--uts", "--", "sh", "-c", LAUNCH, "oar-sshd", namespace, pidFile, address]);
  for (let i = 0; i < 300; i++) {
    const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
    if (pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`OAR's sshd did not start in ${namespace}`);
}

/** Creates `count` node namespaces (netns pool `oarn`) each running OAR's sshd; returns them and the bridge's address. */
export async function createOarNodes(count: number): Promise<{ nodes: OarNode[]; serverAddress: string }> {
  const pool = await createHostPool({ prefix: NODE_PREFIX, count });
  const stateDir = pool.keyFile.slice(0, pool.keyFile.lastIndexOf("/"));
  const nodes: OarNode[] = [];
  for (const host of pool.hosts) {
    nodes.push({ name: host.name, address: host.address, sshdPid: await startOarSshd(host.name, host.address, `${stateDir}/${host.name}.oar-sshd.pid`) });
  }
  await mkdir(OAR_RUN, { recursive: true });
  await writeFile(NODES_FILE, JSON.stringify(nodes));
  return { nodes, serverAddress: pool.subnet.replace(/\.0\/24$/, ".1") };
}

export async function destroyOarNodes(): Promise<void> {
  await destroyPool(NODE_PREFIX);
  await rm(NODES_FILE, { force: true });
}
