import { pollUntil } from "../../../engine/batch/clock.ts";
import type { BackoffPolicy } from "../../../engine/batch/clock.ts";
import { deploymentDoc } from "./documents.ts";
import type { DeploymentDoc } from "./documents.ts";
import type { G5kHttp } from "./http.ts";

/** The body of POST /sites/{site}/deployments (DeploymentsController's permitted params). */
export interface DeploymentSubmission {
  readonly nodes: readonly string[];
  /** Kadeploy environment name, e.g. "debian11-min" (or "name@user", or a description URL). */
  readonly environment: string;
  /** Public key content (or a URL to it) installed for root on the nodes. */
  readonly key?: string;
  /** Deploy straight into this KaVLAN. */
  readonly vlan?: string;
}

export interface DeployRound {
  readonly round: number;
  readonly uid: string;
  readonly nodes: readonly string[];
  readonly ko: readonly string[];
  readonly status: DeploymentDoc["status"];
  /** Kadeploy's error text when the whole deployment failed. */
  readonly output?: string;
}

export interface DeployOutcome {
  readonly ok: readonly string[];
  readonly ko: readonly string[];
  readonly rounds: readonly DeployRound[];
}

const ACTIVE = new Set(["waiting", "processing"]);

/** Nodes of a finished deployment that did not come up: marked KO, or missing from the result. */
export function koNodes(doc: DeploymentDoc): string[] {
  if (doc.status !== "terminated") return [...doc.nodes];
  return doc.nodes.filter((node) => doc.result?.[node]?.state !== "OK");
}

export class DeploymentsApi {
  constructor(
    private readonly http: G5kHttp,
    private readonly backoff: BackoffPolicy,
  ) {}

  private path(site: string, uid?: string): string {
    const base = `/sites/${encodeURIComponent(site)}/deployments`;
    return uid === undefined ? base : `${base}/${encodeURIComponent(uid)}`;
  }

  async submit(site: string, submission: DeploymentSubmission, signal?: AbortSignal): Promise<DeploymentDoc> {
    const { reply, doc } = await this.http.postJson(this.path(site), submission, deploymentDoc, signal);
    if (doc) return doc;
    const uid = reply.location?.match(/\/deployments\/([^/]+)\/?$/)?.[1];
    if (!uid) throw new Error(`g5k API POST ${this.path(site)}: ${reply.status} without a deployment id`);
    return this.get(site, decodeURIComponent(uid), signal);
  }

  get(site: string, uid: string, signal?: AbortSignal): Promise<DeploymentDoc> {
    return this.http.getJson(this.path(site, uid), deploymentDoc, undefined, signal);
  }

  async cancel(site: string, uid: string, signal?: AbortSignal): Promise<void> {
    await this.http.delete(this.path(site, uid), signal);
  }

  wait(site: string, uid: string, signal?: AbortSignal): Promise<DeploymentDoc> {
    return pollUntil(this.http.clock, this.backoff, () => this.get(site, uid, signal), (d) => !ACTIVE.has(d.status), signal);
  }

  /**
   * Deploys, then redeploys only the nodes that came back KO, for at most
   * `maxRounds` rounds (3 is customary): a node failing three times is
   * likely broken, and the rest of the reservation can go on without it.
   */
  async deployWithRetry(
    site: string,
    submission: DeploymentSubmission,
    maxRounds: number,
    signal?: AbortSignal,
    onRound?: (round: DeployRound) => void,
  ): Promise<DeployOutcome> {
    const rounds: DeployRound[] = [];
    let pending: readonly string[] = submission.nodes;
    for (let round = 1; round <= maxRounds && pending.length > 0; round++) {
      const started = await this.submit(site, { ...submission, nodes: pending }, signal);
      const done = await this.wait(site, started.uid, signal);
      const ko = koNodes(done);
      const report: DeployRound = { round, uid: done.uid, nodes: pending, ko, status: done.status, ...(done.output ? { output: done.output } : {}) };
      rounds.push(report);
      onRound?.(report);
      pending = ko;
    }
    const failed = new Set(pending);
    return { ok: submission.nodes.filter((n) => !failed.has(n)), ko: [...pending], rounds };
  }
}
