import type { Clock } from "../../../plugins/g5k/index.ts";
import { environmentNames, readJson } from "./fixtures.ts";
import type { Json, ReferenceTree } from "./fixtures.ts";

/** Lifecycle timings of the stand-in, in seconds of the injected clock. */
export interface Timings {
  /** A batch job waits this long before OAR schedules it. */
  readonly waiting: number;
  /** Then launches (nodes rebooting, prologue) for this long. */
  readonly launching: number;
  /** Kadeploy takes this long per deployment. */
  readonly deploying: number;
}

export const defaultTimings: Timings = { waiting: 20, launching: 10, deploying: 120 };

export interface StoredJob {
  readonly uid: number;
  readonly site: string;
  readonly user: string;
  readonly name: string | undefined;
  readonly command: string;
  readonly types: readonly string[];
  readonly queue: string;
  readonly project: string | undefined;
  readonly properties: string | undefined;
  readonly submittedAt: number;
  /** Earliest start: submission + waiting, or the reservation date. */
  readonly eligibleAt: number;
  readonly reservation: boolean;
  readonly request: ParsedResources;
  walltime: number;
  nodes: string[];
  vlan: string | undefined;
  subnets: string[];
  startedAt: number | undefined;
  deletedAt: number | undefined;
}

export interface ParsedResources {
  readonly nodes: number;
  readonly cluster: string | undefined;
  readonly vlanType: string | undefined;
  readonly slash22: number;
  readonly walltime: number;
}

export interface StoredDeployment {
  readonly uid: string;
  readonly site: string;
  readonly user: string;
  readonly environment: string;
  readonly nodes: readonly string[];
  readonly key: string | undefined;
  readonly vlan: string | undefined;
  readonly createdAt: number;
  readonly ko: ReadonlySet<string>;
  /** Set when Kadeploy fails the whole deployment. */
  readonly error: string | undefined;
  canceledAt: number | undefined;
}

export class StandinError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_WALLTIME = 3600;

/** OAR's -l syntax as the testbed writes it: parts joined by '+', then ",walltime=H:MM:SS". */
export function parseResources(resources: string): ParsedResources {
  const bad = (why: string): never => {
    throw new StandinError(400, `Request to /internal/oarapi/jobs.json failed with status 400: [ADMISSION RULE] Bad resource request (${why}): ${resources}`);
  };
  const [spec = "", ...options] = resources.split(",");
  let walltime = DEFAULT_WALLTIME;
  for (const option of options) {
    const m = /^walltime=(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(option.trim());
    if (!m) bad(`unknown option '${option}'`);
    walltime = Number(m![1]) * 3600 + Number(m![2] ?? 0) * 60 + Number(m![3] ?? 0);
  }
  let nodes = 0;
  let cluster: string | undefined;
  let vlanType: string | undefined;
  let slash22 = 0;
  for (const part of spec.split("+")) {
    const m = /^(?:\{(.+)\}\/)?(nodes|host|vlan|slash_22)=(\d+)$/.exec(part.trim());
    if (!m) bad(`cannot parse '${part}'`);
    const [, filter, kind, count] = m!;
    const filterMatch = filter ? /^(cluster|type)\s*=\s*'([A-Za-z0-9_.-]+)'$/.exec(filter.trim()) : null;
    if (filter && !filterMatch) bad(`unsupported filter '${filter}'`);
    if (kind === "vlan") {
      if (filterMatch?.[1] !== "type") bad("a vlan needs {type='kavlan...'}");
      vlanType = filterMatch![2];
    } else if (kind === "slash_22") {
      slash22 = Number(count);
    } else {
      nodes = Number(count);
      if (filterMatch?.[1] === "cluster") cluster = filterMatch[2];
    }
  }
  if (nodes < 1) bad("no nodes");
  return { nodes, cluster, vlanType, slash22, walltime };
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** KaVLAN id ranges of Grid'5000 (docs/testbeds.md, plugins/g5k/README.md). */
function vlanTypeOf(id: string): string {
  const n = Number(id);
  return n <= 3 ? "kavlan-local" : n <= 9 ? "kavlan" : "kavlan-global";
}

/**
 * The state behind the stand-in: OAR jobs, Kadeploy deployments and KaVLAN
 * memberships, with lifecycles driven by the injected clock.
 */
export class Store {
  readonly jobs = new Map<number, StoredJob>();
  readonly deployments = new Map<string, StoredDeployment>();
  /** Node (interface FQDN) -> VLAN id, per site; absent means DEFAULT. */
  readonly vlanOf = new Map<string, string>();
  /** KO node sets for the next deployments, consumed one per deployment. */
  readonly koPlan: Array<readonly string[]> = [];
  /** Errors for the next deployments (Kadeploy failing the whole run). */
  readonly deploymentErrors: string[] = [];
  private nextJob = 4000000;
  private nextDeployment = 1;
  private readonly environments = environmentNames();

  constructor(
    readonly reference: ReferenceTree,
    readonly clock: Clock,
    readonly timings: Timings,
  ) {
    // KaVLAN's own views of rennes (two snapshots): which interfaces sit in which VLAN.
    for (const [node, vlan] of Object.entries(readJson<Record<string, string>>("kavlan-rennes-nodes.json"))) {
      if (vlan !== "DEFAULT") this.vlanOf.set(node, vlan);
    }
    for (const node of readJson<{ nodes: string[] }>("kavlan-rennes-nodes-1.json").nodes) this.vlanOf.set(node, "1");
  }

  now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  // ---- OAR ----------------------------------------------------------------

  submitJob(site: string, user: string, body: Json): StoredJob {
    const command = typeof body.command === "string" ? body.command : "";
    const reservationValue = body.reservation;
    if (!command && reservationValue === undefined) {
      throw new StandinError(400, "The job you are trying to submit is not valid: you must give a :command to execute on launch");
    }
    if (typeof body.resources !== "string") throw new StandinError(400, "The job you are trying to submit is not valid: resources must be a string");
    const request = parseResources(body.resources);
    const clusters = request.cluster ? [request.cluster] : this.reference.clusters(site);
    const capacity = clusters.reduce((n, c) => n + this.reference.nodes(site, c).length, 0);
    if (request.cluster && !this.reference.clusters(site).includes(request.cluster)) {
      throw new StandinError(400, `Request to /internal/oarapi/jobs.json failed with status 400: There are not enough resources for your request (no cluster '${request.cluster}' on ${site})`);
    }
    if (capacity < request.nodes) {
      throw new StandinError(400, `Request to /internal/oarapi/jobs.json failed with status 400: There are not enough resources for your request (${request.nodes} nodes asked, ${capacity} exist)`);
    }
    if (request.vlanType && !this.vlanIds(site).some((id) => vlanTypeOf(id) === request.vlanType)) {
      throw new StandinError(400, `Request to /internal/oarapi/jobs.json failed with status 400: There are not enough resources for your request (no ${request.vlanType} VLAN on ${site})`);
    }
    const now = this.now();
    let reservation: number | undefined;
    if (typeof reservationValue === "number") reservation = reservationValue;
    else if (typeof reservationValue === "string") {
      reservation = Math.floor(Date.parse(`${reservationValue.replace(" ", "T")}Z`) / 1000);
      if (Number.isNaN(reservation)) throw new StandinError(400, `The job you are trying to submit is not valid: bad reservation date '${reservationValue}'`);
    }
    const job: StoredJob = {
      uid: this.nextJob++,
      site,
      user,
      name: typeof body.name === "string" ? body.name : undefined,
      command,
      types: Array.isArray(body.types) ? body.types.map(String) : [],
      queue: typeof body.queue === "string" ? body.queue : "default",
      project: typeof body.project === "string" ? body.project : undefined,
      properties: typeof body.properties === "string" ? body.properties : undefined,
      submittedAt: now,
      eligibleAt: reservation ?? now + this.timings.waiting,
      reservation: reservation !== undefined,
      request,
      walltime: request.walltime,
      nodes: [],
      vlan: undefined,
      subnets: [],
      startedAt: undefined,
      deletedAt: undefined,
    };
    // An advance reservation is placed (and accepted or refused) at submission.
    if (job.reservation && !this.assign(job, job.eligibleAt)) {
      throw new StandinError(400, "Request to /internal/oarapi/jobs.json failed with status 400: [ADMISSION RULE] Reservation not valid: not enough free resources at that date");
    }
    this.jobs.set(job.uid, job);
    return job;
  }

  /** A job owned by someone else, holding nodes over a fixed window (to shape the site's status). */
  addForeignJob(site: string, nodes: readonly string[], start: number, walltime: number): StoredJob {
    const job: StoredJob = {
      uid: this.nextJob++,
      site,
      user: "someone-else",
      name: "foreign",
      command: "sleep 1d",
      types: [],
      queue: "default",
      project: undefined,
      properties: undefined,
      submittedAt: this.now(),
      eligibleAt: start,
      reservation: true,
      request: { nodes: nodes.length, cluster: undefined, vlanType: undefined, slash22: 0, walltime },
      walltime,
      nodes: [...nodes],
      vlan: undefined,
      subnets: [],
      startedAt: undefined,
      deletedAt: undefined,
    };
    this.jobs.set(job.uid, job);
    return job;
  }

  /** OAR state of a job now; schedules waiting batch jobs whose time has come. */
  state(job: StoredJob): string {
    const now = this.now();
    if (job.deletedAt !== undefined) return "error";
    if (now < job.eligibleAt) return "waiting";
    if (!job.nodes.length && !this.assign(job, now)) return "waiting";
    job.startedAt ??= Math.max(job.eligibleAt, now);
    const start = job.reservation ? job.eligibleAt : job.startedAt;
    if (now < start + this.timings.launching) return "launching";
    if (now < start + job.walltime) return "running";
    return "terminated";
  }

  isLive(job: StoredJob): boolean {
    return !["error", "terminated"].includes(this.state(job));
  }

  /** Busy window of a job: from its (expected) start to its end. */
  private window(job: StoredJob): [number, number] {
    const start = job.startedAt ?? job.eligibleAt;
    return [start, job.deletedAt ?? start + job.walltime];
  }

  private overlaps(job: StoredJob, start: number, end: number): boolean {
    const [s, e] = this.window(job);
    return Math.min(e, end) - Math.max(s, start) > 0;
  }

  /** Gives the job nodes, a VLAN and subnets free over its window; false if they are not free yet. */
  private assign(job: StoredJob, start: number): boolean {
    const end = start + job.walltime;
    const others = [...this.jobs.values()].filter((j) => j !== job && j.site === job.site && j.deletedAt === undefined && j.nodes.length && this.overlaps(j, start, end));
    const busyNodes = new Set(others.flatMap((j) => j.nodes));
    const clusters = job.request.cluster ? [job.request.cluster] : this.reference.clusters(job.site);
    const free = clusters.flatMap((c) => this.reference.nodes(job.site, c).map((uid) => `${uid}.${job.site}.grid5000.fr`)).filter((n) => !busyNodes.has(n));
    if (free.length < job.request.nodes) return false;
    let vlan: string | undefined;
    if (job.request.vlanType) {
      const busy = new Set(others.map((j) => j.vlan));
      vlan = this.vlanIds(job.site).find((id) => vlanTypeOf(id) === job.request.vlanType && !busy.has(id));
      if (!vlan) return false;
    }
    const subnets: string[] = [];
    if (job.request.slash22) {
      const range = (this.reference.site(job.site)?.g5ksubnet as { network: string } | undefined)?.network ?? "10.156.0.0/14";
      const [base = "", prefix = "14"] = range.split("/");
      const busy = new Set(others.flatMap((j) => j.subnets));
      const blocks = 2 ** (22 - Number(prefix));
      for (let i = 0; i < blocks && subnets.length < job.request.slash22; i++) {
        const cidr = `${intToIp(ipToInt(base) + i * 1024)}/22`;
        if (!busy.has(cidr)) subnets.push(cidr);
      }
      if (subnets.length < job.request.slash22) return false;
    }
    job.nodes = free.slice(0, job.request.nodes);
    job.vlan = vlan;
    job.subnets = subnets;
    if (!job.reservation) job.startedAt = start;
    return true;
  }

  /** VLAN ids a site has (its Reference API `kavlans`, without 'default' and named extras). */
  vlanIds(site: string): string[] {
    const kavlans = (this.reference.site(site)?.kavlans ?? {}) as Json;
    return Object.keys(kavlans).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  }

  vlanType(id: string): string {
    return vlanTypeOf(id);
  }

  /** The job document as lib/oar/job.rb renders it (to_reservation + resources_by_type + assigned_nodes). */
  jobDoc(job: StoredJob, withResources: boolean): Json {
    const state = this.state(job);
    const started = state === "launching" || state === "running" || state === "terminated" || (state === "error" && job.startedAt !== undefined);
    const doc: Json = {
      uid: job.uid,
      user_uid: job.user,
      user: job.user,
      walltime: job.walltime,
      queue: job.queue,
      state,
      ...(job.project ? { project: job.project } : {}),
      ...(job.name !== undefined ? { name: job.name } : {}),
      types: job.types,
      mode: "PASSIVE",
      command: job.command,
      submitted_at: job.submittedAt,
      ...(job.nodes.length ? { scheduled_at: job.reservation ? job.eligibleAt : (job.startedAt ?? job.eligibleAt) } : {}),
      ...(started && job.startedAt !== undefined ? { started_at: job.reservation ? job.eligibleAt : job.startedAt } : {}),
      ...(state === "terminated" || state === "error" ? { stopped_at: job.deletedAt ?? this.window(job)[1] } : {}),
      message: state === "waiting" ? "" : "FIFO scheduling OK",
      ...(job.properties ? { properties: job.properties } : {}),
      directory: `/home/${job.user}`,
      events: job.deletedAt !== undefined ? [{ type: "FRAG_JOB_REQUEST", description: `User ${job.user} requested to frag the job ${job.uid}`, date: job.deletedAt, job_id: job.uid, to_check: "NO" }] : [],
    };
    if (!doc.message) delete doc.message;
    if (withResources) {
      const byType: Json = {};
      if (job.nodes.length) byType.cores = [...job.nodes];
      if (job.vlan) byType.vlans = [job.vlan];
      if (job.subnets.length) byType.subnets = [...job.subnets];
      doc.resources_by_type = byType;
      doc.assigned_nodes = [...job.nodes];
    }
    return doc;
  }

  deleteJob(job: StoredJob): void {
    job.deletedAt ??= this.now();
  }

  // ---- Kadeploy -----------------------------------------------------------

  submitDeployment(site: string, user: string, body: Json): StoredDeployment {
    const nodes = body.nodes;
    if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === "string")) {
      throw new StandinError(400, "The deployment you are trying to submit is not valid: Nodes must be a non-empty list of node FQDN");
    }
    if (typeof body.environment !== "string" || !body.environment) {
      throw new StandinError(400, "The deployment you are trying to submit is not valid: Environment can't be blank");
    }
    const owned = new Set(
      [...this.jobs.values()].filter((j) => j.site === site && j.user === user && j.types.includes("deploy") && this.state(j) === "running").flatMap((j) => j.nodes),
    );
    const foreign = (nodes as string[]).filter((n) => !owned.has(n));
    if (foreign.length) {
      throw new StandinError(500, `Cannot launch deployment: Kadeploy error #5: the nodes ${foreign.join(",")} are not reserved by ${user} with type deploy`);
    }
    // Into a VLAN of the user's running jobs: on this site, or a global one reserved on any site (it spans them all).
    const vlan = body.vlan === undefined ? undefined : String(body.vlan);
    if (vlan !== undefined && ![...this.jobs.values()].some((j) => j.user === user && j.vlan === vlan && (j.site === site || vlanTypeOf(vlan) === "kavlan-global") && this.state(j) === "running")) {
      throw new StandinError(500, `Cannot launch deployment: Kadeploy error: VLAN ${vlan} is not reserved by ${user} for ${site}`);
    }
    const [name = ""] = body.environment.split("@");
    const planned = this.koPlan.shift() ?? [];
    const deployment: StoredDeployment = {
      uid: `D-${String(this.nextDeployment++).padStart(8, "0")}-5f4e-4c1a-9d2b-${site.padEnd(12, "0").slice(0, 12)}`,
      site,
      user,
      environment: body.environment,
      nodes: [...(nodes as string[])],
      key: typeof body.key === "string" ? body.key : undefined,
      vlan,
      createdAt: this.now(),
      ko: new Set(planned),
      error: this.deploymentErrors.shift() ?? (this.environments.has(name) ? undefined : `Kadeploy error #21: The environment '${name}' does not exist`),
      canceledAt: undefined,
    };
    this.deployments.set(deployment.uid, deployment);
    return deployment;
  }

  deploymentStatus(d: StoredDeployment): "processing" | "terminated" | "error" | "canceled" {
    if (d.canceledAt !== undefined) return "canceled";
    if (this.now() < d.createdAt + this.timings.deploying) return "processing";
    if (d.error) return "error";
    // Kadeploy puts nodes deployed with --vlan into that VLAN.
    if (d.vlan) for (const node of d.nodes) if (!d.ko.has(node)) this.vlanOf.set(node, d.vlan);
    return "terminated";
  }

  /** The deployment document (app/models/grid5000/deployment.rb's attributes). */
  deploymentDoc(d: StoredDeployment): Json {
    const status = this.deploymentStatus(d);
    const doc: Json = {
      uid: d.uid,
      site_uid: d.site,
      user_uid: d.user,
      environment: d.environment,
      nodes: d.nodes,
      status,
      created_at: d.createdAt,
      updated_at: status === "processing" ? d.createdAt : d.createdAt + this.timings.deploying,
      ...(d.key ? { key: d.key } : {}),
      ...(d.vlan ? { vlan: d.vlan } : {}),
    };
    if (status === "terminated") {
      doc.result = Object.fromEntries(
        d.nodes.map((n) => [n, d.ko.has(n) ? { macro: "SetDeploymentEnv", micro: "reboot_from_deploy_env", state: "KO" } : { macro: null, micro: null, state: "OK" }]),
      );
    }
    if (status === "error") doc.output = d.error;
    return doc;
  }

  // ---- KaVLAN -------------------------------------------------------------

  /** Is this interface FQDN a node (or a node's secondary interface) of the site? */
  knowsNode(site: string, fqdn: string): boolean {
    const [host = "", domain = ""] = fqdn.split(/\.(.*)/);
    if (domain !== `${site}.grid5000.fr`) return false;
    const uid = host.replace(/-eth\d+$/, "");
    const cluster = uid.replace(/-\d+$/, "");
    return this.reference.nodes(site, cluster).includes(uid);
  }

  /** Does `user` hold `vlan` in a live job? KaVLAN only lets a VLAN's owner move nodes. */
  ownsVlan(site: string, user: string, vlan: string): boolean {
    return [...this.jobs.values()].some((j) => j.site === site && j.user === user && j.vlan === vlan && this.isLive(j));
  }
}
