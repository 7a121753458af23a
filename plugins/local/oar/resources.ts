import { execa } from "execa";
import { sh } from "../netns/index.ts";
import type { OarNode } from "./nodes.ts";

/** Ids and network addresses of OAR's resources, from oarnodes' YAML-free listing. */
async function resources(): Promise<{ id: number; address: string }[]> {
  const r = await execa("oarnodes", ["--sql", "true", "-J"], { reject: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  const doc = JSON.parse(r.stdout) as Record<string, { resource_id: number; network_address: string }>;
  return Object.values(doc).map((x) => ({ id: Number(x.resource_id), address: x.network_address }));
}

/**
 * Makes OAR's resources exactly the nodes: the other ones (an earlier set-up's
 * addresses) are set Dead and removed, the missing ones added (one resource
 * per node, property `host` = the namespace's name) and set Alive.
 */
export async function registerNodes(nodes: readonly OarNode[]): Promise<void> {
  // an existing property makes oarproperty fail: that is fine
  await execa("oarproperty", ["-a", "host", "-c"], { reject: false });
  const wanted = new Set(nodes.map((n) => n.address));
  const present = await resources();
  for (const stale of present.filter((r) => !wanted.has(r.address))) {
    await sh("oarnodesetting", ["-s", "Dead", "-r", String(stale.id)]);
    await sh("oarremoveresource", [String(stale.id)]);
  }
  const have = new Set(present.map((r) => r.address));
  for (const node of nodes.filter((n) => !have.has(n.address))) {
    await sh("oarnodesetting", ["-a", "-h", node.address, "-p", `host=${node.name}`]);
  }
  for (const node of nodes) await sh("oarnodesetting", ["-s", "Alive", "-h", node.address]);
}
