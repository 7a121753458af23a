import { statusDoc } from "./documents.ts";
import type { NodeStatus, StatusDoc } from "./documents.ts";
import type { G5kHttp } from "./http.ts";
import { parseFqdn } from "./reference.ts";

/** Nodes wanted on one site (optionally on one cluster). */
export interface SlotDemand {
  readonly site: string;
  readonly cluster?: string;
  readonly nodes: number;
}

export interface Slot {
  /** Epoch seconds at which every demand fits. */
  readonly start: number;
  /** Nodes free over [start, start + walltime) per site, by name. */
  readonly free: Readonly<Record<string, readonly string[]>>;
}

/** Start and end (epoch seconds) of a reservation on a node; besteffort jobs do not block. */
function busyInterval(r: NonNullable<NodeStatus["reservations"]>[number]): [number, number] | undefined {
  if (r.queue === "besteffort") return undefined;
  const start = r.started_at ?? r.scheduled_at;
  if (start === undefined || r.walltime === undefined) return undefined;
  return [start, start + r.walltime];
}

/** Nodes alive and without a (non-besteffort) reservation overlapping [start, start + walltime). */
export function freeNodes(status: StatusDoc, start: number, walltime: number, cluster?: string): string[] {
  const end = start + walltime;
  return Object.entries(status.nodes)
    .filter(([fqdn, node]) => {
      if (node.hard !== "alive") return false;
      if (cluster && parseFqdn(fqdn).cluster !== cluster) return false;
      return !(node.reservations ?? []).some((r) => {
        const busy = busyInterval(r);
        return busy !== undefined && Math.min(busy[1], end) - Math.max(busy[0], start) > 0;
      });
    })
    .map(([fqdn]) => fqdn)
    .sort();
}

/**
 * Earliest start, no earlier than `earliest`, at which every site can give
 * its demand for `walltime` seconds. Candidate starts are `earliest` and the
 * ends of the reservations seen (a node frees up only then), so the search
 * is exact for the status it is given. Undefined if nothing fits within
 * `horizon` seconds.
 */
export function findSlot(
  statuses: Readonly<Record<string, StatusDoc>>,
  demands: readonly SlotDemand[],
  walltime: number,
  earliest: number,
  horizon: number,
): Slot | undefined {
  const candidates = new Set<number>([earliest]);
  for (const demand of demands) {
    for (const node of Object.values(statuses[demand.site]?.nodes ?? {})) {
      for (const r of node.reservations ?? []) {
        const busy = busyInterval(r);
        if (busy && busy[1] > earliest && busy[1] <= earliest + horizon) candidates.add(busy[1]);
      }
    }
  }
  for (const start of [...candidates].sort((a, b) => a - b)) {
    const free: Record<string, string[]> = {};
    const fits = demands.every((demand) => {
      const status = statuses[demand.site];
      if (!status) return false;
      const nodes = freeNodes(status, start, walltime, demand.cluster);
      free[demand.site] = nodes;
      return nodes.length >= demand.nodes;
    });
    if (fits) return { start, free };
  }
  return undefined;
}

export class StatusApi {
  constructor(private readonly http: G5kHttp) {}

  /** GET /sites/{site}/status: per-node hard/soft state, slots and reservations. */
  site(site: string, signal?: AbortSignal): Promise<StatusDoc> {
    return this.http.getJson(`/sites/${encodeURIComponent(site)}/status`, statusDoc, undefined, signal);
  }
}
