import { z } from "zod";
import { UsageError } from "../../../engine/errors.ts";
import type { BackoffPolicy } from "../../../engine/batch/clock.ts";
import { isFinal, oarWalltime, waitJobRunning } from "../../../engine/batch/job.ts";
import { collectionOf, jobDoc, walltimeDoc } from "./documents.ts";
import type { JobDoc, WalltimeDoc } from "./documents.ts";
import type { G5kHttp } from "./http.ts";

/** What the testbed asks OAR for on one site. */
export interface JobRequest {
  readonly nodes: number;
  readonly cluster?: string;
  /** KaVLAN type to reserve one VLAN of: kavlan-local (1-3), kavlan (routed, 4-9), kavlan-global. */
  readonly vlan?: "kavlan-local" | "kavlan" | "kavlan-global";
  /** Number of /22 g5k-subnets blocks (1022 usable IPs each). */
  readonly subnets22?: number;
  readonly walltime: number;
}

/** The body of POST /sites/{site}/jobs (Grid5000::Job's writable attributes). */
export interface JobSubmission {
  readonly name: string;
  readonly resources: string;
  readonly command: string;
  readonly types?: readonly string[];
  readonly properties?: string;
  /** Advance reservation: epoch seconds or "YYYY-MM-DD HH:MM:SS". */
  readonly reservation?: number | string;
  readonly queue?: string;
  readonly project?: string;
}

export interface JobRef {
  readonly site: string;
  readonly uid: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * OAR resource string, e.g.
 * {cluster='paravance'}/nodes=2+{type='kavlan'}/vlan=1+slash_22=1,walltime=2:00:00
 */
export function resourceString(request: JobRequest): string {
  if (!Number.isInteger(request.nodes) || request.nodes < 1) throw new UsageError(`g5k: nodes must be a positive integer, got ${request.nodes}`);
  if (request.cluster !== undefined && !NAME.test(request.cluster)) throw new UsageError(`g5k: invalid cluster name '${request.cluster}'`);
  const parts = [request.cluster ? `{cluster='${request.cluster}'}/nodes=${request.nodes}` : `nodes=${request.nodes}`];
  if (request.vlan) parts.push(`{type='${request.vlan}'}/vlan=1`);
  if (request.subnets22) parts.push(`slash_22=${request.subnets22}`);
  return `${parts.join("+")},walltime=${oarWalltime(request.walltime)}`;
}

export class JobsApi {
  constructor(
    private readonly http: G5kHttp,
    private readonly backoff: BackoffPolicy,
  ) {}

  private path(site: string, uid?: number): string {
    const base = `/sites/${encodeURIComponent(site)}/jobs`;
    return uid === undefined ? base : `${base}/${uid}`;
  }

  async submit(site: string, submission: JobSubmission, signal?: AbortSignal): Promise<JobRef> {
    const { reply, doc } = await this.http.postJson(this.path(site), submission, jobDoc, signal);
    // Older API versions answer 201 with the job; newer ones with only a Location.
    const uid = doc?.uid ?? Number(reply.location?.match(/\/jobs\/(\d+)\/?$/)?.[1]);
    if (!Number.isInteger(uid)) throw new Error(`g5k API POST ${this.path(site)}: ${reply.status} without a job id`);
    return { site, uid };
  }

  get(ref: JobRef, signal?: AbortSignal): Promise<JobDoc> {
    return this.http.getJson(this.path(ref.site, ref.uid), jobDoc, undefined, signal);
  }

  /** Jobs of `user` named `name` still alive (to reattach). The name is checked here too: older APIs ignore the filter. */
  async findByName(site: string, name: string, user?: string, signal?: AbortSignal): Promise<readonly JobDoc[]> {
    const query = { name, user, state: "waiting,launching,running,hold", limit: 500 };
    const list = await this.http.getJson(this.path(site), collectionOf(jobDoc), query, signal);
    return list.items.filter((job) => job.name === name && (!user || job.user_uid === user || job.user === user) && !isFinal(job.state));
  }

  async delete(ref: JobRef, signal?: AbortSignal): Promise<void> {
    await this.http.delete(this.path(ref.site, ref.uid), signal);
  }

  /** Asks OAR for more walltime ("+1:00:00" adds, "3:00:00" sets); the change is granted asynchronously. */
  async extendWalltime(ref: JobRef, walltime: string, signal?: AbortSignal): Promise<void> {
    if (!/^\+?\d+(:\d{1,2}){0,2}$/.test(walltime)) throw new UsageError(`g5k: walltime change must look like +1:30:00, got '${walltime}'`);
    // The 202 body is OAR's free-text acknowledgement; the state is read back with walltime().
    await this.http.postJson(`${this.path(ref.site, ref.uid)}/walltime`, { walltime }, z.unknown(), signal);
  }

  walltime(ref: JobRef, signal?: AbortSignal): Promise<WalltimeDoc> {
    return this.http.getJson(`${this.path(ref.site, ref.uid)}/walltime`, walltimeDoc, undefined, signal);
  }

  /** Polls with back-off until the job runs; throws if it ends first. */
  waitRunning(ref: JobRef, signal?: AbortSignal, onWait?: (job: JobDoc, nextDelay: number) => void): Promise<JobDoc> {
    return waitJobRunning(`g5k: job ${ref.uid} on ${ref.site}`, this.http.clock, this.backoff, () => this.get(ref, signal), signal, onWait);
  }
}
