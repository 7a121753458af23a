import { clusterDoc, collectionOf, environmentDoc, nodeDoc, siteDoc } from "./documents.ts";
import type { ClusterDoc, EnvironmentDoc, NodeDoc, SiteDoc } from "./documents.ts";
import type { G5kHttp } from "./http.ts";

/** A node as the testbed needs it, from its Reference API description. */
export interface NodeInfo {
  readonly uid: string;
  readonly fqdn: string;
  readonly site: string;
  readonly cluster: string;
  /** Physical cores (the scheduler's CPU unit). */
  readonly cores: number;
  readonly threads: number;
  readonly memoryMiB: number;
  readonly adapters: readonly NetworkAdapterInfo[];
  readonly jobTypes: { readonly deploy: boolean; readonly besteffort: boolean; readonly virtual: string | false; readonly maxWalltime: number };
}

export interface NetworkAdapterInfo {
  readonly device: string;
  readonly name: string;
  readonly mac: string | undefined;
  readonly rateGbps: number | undefined;
  /** Mounted: configured at boot (the node's primary interface is the mounted one). */
  readonly mounted: boolean;
  /** The adapter can be put into a KaVLAN. */
  readonly kavlan: boolean;
}

/** "paravance-1" on "rennes" -> "paravance-1.rennes.grid5000.fr". */
export function nodeFqdn(uid: string, site: string): string {
  return `${uid}.${site}.grid5000.fr`;
}

/** "paravance-1.rennes.grid5000.fr" -> { uid: "paravance-1", cluster: "paravance", site: "rennes" }. */
export function parseFqdn(fqdn: string): { uid: string; cluster: string; site: string } {
  const [uid = "", site = ""] = fqdn.split(".");
  return { uid, cluster: uid.replace(/-\d+$/, ""), site };
}

export function toNodeInfo(doc: NodeDoc, site: string, cluster: string): NodeInfo {
  return {
    uid: doc.uid,
    fqdn: nodeFqdn(doc.uid, site),
    site,
    cluster,
    cores: doc.architecture.nb_cores,
    threads: doc.architecture.nb_threads,
    memoryMiB: Math.floor(doc.main_memory.ram_size / 2 ** 20),
    adapters: doc.network_adapters
      .filter((a) => a.interface === "Ethernet" && a.management !== true)
      .map((a) => ({
        device: a.device,
        name: a.name ?? a.device,
        mac: a.mac,
        rateGbps: a.rate === undefined ? undefined : a.rate / 1e9,
        mounted: a.mounted === true,
        kavlan: a.kavlan === true,
      })),
    jobTypes: {
      deploy: doc.supported_job_types.deploy,
      besteffort: doc.supported_job_types.besteffort,
      virtual: typeof doc.supported_job_types.virtual === "string" ? doc.supported_job_types.virtual : false,
      maxWalltime: doc.supported_job_types.max_walltime ?? 0,
    },
  };
}

/** The Reference API: what sites, clusters and nodes exist and what they are made of. */
export class ReferenceApi {
  constructor(private readonly http: G5kHttp) {}

  async sites(): Promise<readonly SiteDoc[]> {
    return (await this.http.getJson("/sites", collectionOf(siteDoc))).items;
  }

  site(site: string): Promise<SiteDoc> {
    return this.http.getJson(`/sites/${encodeURIComponent(site)}`, siteDoc);
  }

  async clusters(site: string): Promise<readonly ClusterDoc[]> {
    return (await this.http.getJson(`/sites/${encodeURIComponent(site)}/clusters`, collectionOf(clusterDoc))).items;
  }

  /** The Kadeploy environments a site offers (names, aliases, architectures). */
  async environments(site: string): Promise<readonly EnvironmentDoc[]> {
    return (await this.http.getJson(`/sites/${encodeURIComponent(site)}/environments`, collectionOf(environmentDoc))).items;
  }

  async nodes(site: string, cluster: string): Promise<readonly NodeInfo[]> {
    const path = `/sites/${encodeURIComponent(site)}/clusters/${encodeURIComponent(cluster)}/nodes`;
    const docs = (await this.http.getJson(path, collectionOf(nodeDoc))).items;
    return docs.map((doc) => toNodeInfo(doc, site, cluster));
  }
}
