import { UsageError } from "../../../engine/errors.ts";
import { collectionOf, vlanAddReply, vlanDoc, vlanNodeDoc } from "./documents.ts";
import type { VlanDoc } from "./documents.ts";
import type { G5kHttp } from "./http.ts";

export type VlanKind = "kavlan-local" | "kavlan" | "kavlan-global";

/** VLAN ids 1-3 are local (isolated, reached through the site's gateway), 4-9 routed, others global. */
export function vlanKind(id: string | number): VlanKind {
  const n = Number(id);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`g5k: invalid KaVLAN id '${id}'`);
  if (n <= 3) return "kavlan-local";
  if (n <= 9) return "kavlan";
  return "kavlan-global";
}

/**
 * Name of a node once moved into a VLAN: the DNS has one name per node and
 * VLAN, "paravance-1.rennes.grid5000.fr" in VLAN 4 ->
 * "paravance-1-kavlan-4.rennes.grid5000.fr" (secondary interfaces keep
 * their "-eth1" part: "paravance-1-eth1-kavlan-4...").
 */
export function vlanHostName(fqdn: string, vlan: string | number): string {
  vlanKind(vlan);
  const dot = fqdn.indexOf(".");
  if (dot <= 0) throw new UsageError(`g5k: '${fqdn}' is not a node's fully qualified name`);
  return `${fqdn.slice(0, dot)}-kavlan-${vlan}${fqdn.slice(dot)}`;
}

export type VlanMoveStatus = "success" | "failure" | "unchanged";

export class KavlanApi {
  constructor(private readonly http: G5kHttp) {}

  private path(site: string, vlan?: string): string {
    const base = `/sites/${encodeURIComponent(site)}/vlans`;
    return vlan === undefined ? base : `${base}/${encodeURIComponent(vlan)}`;
  }

  async list(site: string): Promise<readonly VlanDoc[]> {
    return (await this.http.getJson(this.path(site), collectionOf(vlanDoc))).items;
  }

  async nodes(site: string, vlan: string): Promise<readonly string[]> {
    const list = await this.http.getJson(`${this.path(site, vlan)}/nodes`, collectionOf(vlanNodeDoc));
    return list.items.map((item) => item.uid);
  }

  /** Moves nodes (FQDNs of their interfaces) into `vlan`; per-node outcome. */
  async move(site: string, vlan: string, nodes: readonly string[], signal?: AbortSignal): Promise<Readonly<Record<string, VlanMoveStatus>>> {
    const { doc } = await this.http.postJson(`${this.path(site, vlan)}/nodes`, nodes, vlanAddReply, signal);
    const outcome: Record<string, VlanMoveStatus> = {};
    for (const node of nodes) outcome[node] = doc?.[node]?.status ?? "failure";
    return outcome;
  }
}
