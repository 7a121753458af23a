import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../../../plugins/g5k/index.ts";
import { readJson, ReferenceTree } from "./fixtures.ts";
import type { Json } from "./fixtures.ts";
import { defaultTimings, StandinError, Store } from "./store.ts";
import type { Timings } from "./store.ts";

/**
 * A stand-in for https://api.grid5000.fr/stable on 127.0.0.1, answering
 * with the documents, media types and status codes of the real g5k-api
 * (its controllers were read for each route), from the real fixtures.
 */

const ITEM = "application/vnd.grid5000.item+json";
const COLLECTION = "application/vnd.grid5000.collection+json";
const PREFIX = "/stable";

export interface LoggedRequest {
  /** Injected-clock time of the request, epoch ms. */
  readonly time: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly user: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface InjectedFault {
  readonly status: number;
  readonly method?: string;
  readonly path?: RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
  readonly body?: string;
}

export interface StandinOptions {
  readonly clock: Clock;
  /** user -> password accepted by HTTP Basic auth. */
  readonly users?: Readonly<Record<string, string>>;
  readonly timings?: Partial<Timings>;
  /**
   * What a deployment does to the machines behind the node names (the
   * namespaced nodes: reinstalled bare, see namespaced.ts); awaited before
   * the submission is answered, as Kadeploy reboots the nodes at once.
   */
  readonly reinstall?: (nodes: readonly string[]) => Promise<void>;
}

interface Routed {
  readonly status: number;
  readonly doc?: unknown;
  readonly type?: string;
  readonly headers?: Record<string, string>;
  /** Done before the reply is sent. */
  readonly after?: () => Promise<void>;
}

export class Standin {
  readonly store: Store;
  readonly log: LoggedRequest[] = [];
  readonly faults: InjectedFault[] = [];
  /** Per-site rejections of the next job submissions (status and text). */
  readonly rejectJobs = new Map<string, { status: number; message: string }>();
  private readonly users: Readonly<Record<string, string>>;
  private server: Server | undefined;
  url = "";

  constructor(private readonly options: StandinOptions) {
    this.store = new Store(new ReferenceTree(), options.clock, { ...defaultTimings, ...options.timings });
    this.users = options.users ?? { alice: "correct horse battery staple" };
  }

  /** Base URL to give the client: http://127.0.0.1:PORT/stable */
  get apiUrl(): string {
    return `${this.url}${PREFIX}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests matching a method and a path pattern (after the /stable prefix). */
  requests(method: string, path: RegExp): LoggedRequest[] {
    return this.log.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname;
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const contentType = req.headers["content-type"];
    const user = this.authenticate(req.headers.authorization);
    let body: unknown;
    const reply = (status: number, payload: unknown, type?: string, headers: Record<string, string> = {}): void => {
      this.log.push({ time: this.options.clock.now(), method, path, query: url.search, status, user, contentType, body });
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      const mediaType = status >= 400 ? "text/plain" : (type ?? ITEM);
      res.writeHead(status, { "Content-Type": `${mediaType}; charset=utf-8`, ...headers });
      res.end(text);
    };
    try {
      if (raw && contentType?.startsWith("application/json")) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new StandinError(400, "Bad Request: malformed JSON payload");
        }
      }
      // The front proxy asks for credentials before the API sees anything.
      if (!user) {
        reply(401, "Authorization Required", undefined, { "WWW-Authenticate": 'Basic realm="Grid5000 API"' });
        return;
      }
      const fault = this.faults.find((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
      if (fault) {
        fault.times = (fault.times ?? 1) - 1;
        if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        reply(fault.status, fault.body ?? defaultText(fault.status));
        return;
      }
      if (method === "POST" && raw && !contentType?.startsWith("application/json")) {
        throw new StandinError(415, `Content-Type ${contentType ?? "(none)"} not supported`);
      }
      const { status, doc, type, headers, after } = this.route(method, path, url.searchParams, user, body);
      await after?.();
      const negotiated = negotiate(req.headers.accept, type ?? ITEM);
      if (!negotiated) throw new StandinError(406, "Not Acceptable");
      reply(status, doc ?? "", negotiated, headers);
    } catch (error) {
      if (error instanceof StandinError) reply(error.status, error.message);
      else reply(500, `Internal Server Error: ${(error as Error).message}`);
    }
  }

  private authenticate(header: string | undefined): string | undefined {
    const match = /^Basic (.+)$/.exec(header ?? "");
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const user = decoded.slice(0, colon);
    return colon > 0 && this.users[user] === decoded.slice(colon + 1) ? user : undefined;
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    user: string,
    body: unknown,
  ): Routed {
    const ref = this.store.reference;
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const notFound = (): never => {
      throw new StandinError(404, `Cannot find resource ${path}`);
    };
    const get = (doc: unknown, type = ITEM): Routed => {
      if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
      return { status: 200, doc, type };
    };
    if (parts[0] !== "sites") notFound();
    if (parts.length === 1) return get(collection(ref.sites().map((s) => withLinks(ref.site(s)!, `/sites/${s}`)), "/sites"), COLLECTION);
    const site = parts[1]!;
    const siteDoc = ref.site(site) ?? notFound();
    const base = `/sites/${site}`;
    if (parts.length === 2) return get(withLinks(siteDoc, base));
    switch (parts[2]) {
      case "clusters": {
        if (parts.length === 3) return get(collection(ref.clusters(site).map((c) => withLinks(ref.cluster(site, c)!, `${base}/clusters/${c}`)), `${base}/clusters`), COLLECTION);
        const cluster = parts[3]!;
        const clusterDoc = ref.cluster(site, cluster) ?? notFound();
        if (parts.length === 4) return get(withLinks(clusterDoc, `${base}/clusters/${cluster}`));
        if (parts[4] !== "nodes") notFound();
        const nodesPath = `${base}/clusters/${cluster}/nodes`;
        if (parts.length === 5) return get(collection(ref.nodes(site, cluster).map((n) => withLinks(ref.node(site, cluster, n)!, `${nodesPath}/${n}`)), nodesPath), COLLECTION);
        return get(withLinks(ref.node(site, cluster, parts[5]!) ?? notFound(), `${nodesPath}/${parts[5]}`));
      }
      case "status":
        return get(this.status(site));
      case "environments":
        // The fixtures hold one site's listing (grenoble's): every site offers it here.
        return get(collection(readJson<Json[]>("environments-grenoble.json"), `${base}/environments`), COLLECTION);
      case "jobs":
        return this.jobsRoute(method, site, parts.slice(3), query, user, body);
      case "deployments":
        return this.deploymentsRoute(method, site, parts.slice(3), user, body);
      case "vlans":
        return this.vlansRoute(method, site, parts.slice(3), user, body);
      default:
        return notFound();
    }
  }

  private jobsRoute(method: string, site: string, rest: string[], query: URLSearchParams, user: string, body: unknown): Routed {
    const store = this.store;
    const base = `/sites/${site}/jobs`;
    if (rest.length === 0) {
      if (method === "POST") {
        const rejection = this.rejectJobs.get(site);
        if (rejection) throw new StandinError(rejection.status, rejection.message);
        if (!isObject(body)) throw new StandinError(400, "The job you are trying to submit is not valid: expected a JSON object");
        const job = store.submitJob(site, user, body);
        return { status: 201, doc: withLinks(store.jobDoc(job, true), `${base}/${job.uid}`), headers: { Location: `${this.url}${PREFIX}${base}/${job.uid}` } };
      }
      if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
      const states = query.get("state")?.split(",").map((s) => s.trim().toLowerCase());
      const items = [...store.jobs.values()]
        .filter((j) => j.site === site)
        .filter((j) => !query.get("user") || j.user === query.get("user"))
        .filter((j) => !query.get("name") || j.name === query.get("name"))
        .filter((j) => !states || states.includes(store.state(j)))
        .sort((a, b) => b.submittedAt - a.submittedAt || b.uid - a.uid)
        .map((j) => withLinks(store.jobDoc(j, false), `${base}/${j.uid}`));
      const offset = Number(query.get("offset") ?? 0);
      const limit = Math.min(Number(query.get("limit") ?? 50), 500);
      return { status: 200, doc: { ...collection(items.slice(offset, offset + limit), base), total: items.length, offset }, type: COLLECTION };
    }
    const job = store.jobs.get(Number(rest[0]));
    if (!job || job.site !== site) throw new StandinError(404, `Couldn't find OAR::Job with job_id=${rest[0]}`);
    if (rest.length === 1) {
      if (method === "DELETE") {
        // Fixture oarapi-grenoble-job_3456: OAR refuses to touch another user's job.
        if (job.user !== user) throw new StandinError(403, `Job ${job.uid} does not belong to you`);
        store.deleteJob(job);
        return { status: 202, doc: "", headers: { Location: `${this.url}${PREFIX}${base}/${job.uid}`, "X-Oar-Info": `Deleting the job = ${job.uid} ...REGISTERED. The job(s) [ ${job.uid} ] will be deleted in a near future.` } };
      }
      if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
      return { status: 200, doc: withLinks(store.jobDoc(job, true), `${base}/${job.uid}`) };
    }
    if (rest[1] !== "walltime" || rest.length > 2) throw new StandinError(404, "Not Found");
    if (job.user !== user) throw new StandinError(403, `Job ${job.uid} does not belong to you`);
    const change = { walltime: hms(job.walltime), possible: "UNLIMITED", pending: "0:0:0", granted: `+${hms(job.walltime - job.request.walltime)}`, force: "FORBIDDEN", delay_next_jobs: "FORBIDDEN", whole: "NO", timeout: "0:0:0", granted_with_force: "0:0:0", granted_with_whole: "0:0:0", granted_with_delay_next_jobs: "0:0:0" };
    if (method === "GET") return { status: 200, doc: { ...change, uid: job.uid, links: [{ rel: "self", href: `${PREFIX}${base}/${job.uid}/walltime`, type: ITEM }] } };
    if (method !== "POST") throw new StandinError(405, "Method Not Allowed");
    if (!isObject(body) || typeof body.walltime !== "string") throw new StandinError(400, "The job walltime change you are trying to submit is not valid: you must give a new walltime");
    // Fixtures oarapi-grenoble-job_4567 and job_1234-force: OAR's refusals.
    if (store.state(job) !== "running") throw new StandinError(403, `Job ${job.uid} is not running`);
    if (body.force === true || body.force === "yes") throw new StandinError(403, "Walltime change for this job is not allowed to be forced");
    const m = /^(\+)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(body.walltime);
    if (!m) throw new StandinError(400, `Job walltime change request is not right: bad walltime '${body.walltime}'`);
    const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    job.walltime = m[1] ? job.walltime + seconds : Math.max(job.walltime, seconds);
    return { status: 202, doc: { status: "Accepted", cmd_output: `Walltime change request updated for job ${job.uid}, it will be handled shortly`, id: String(job.uid) }, headers: { Location: `${this.url}${PREFIX}${base}/${job.uid}/walltime` } };
  }

  private deploymentsRoute(method: string, site: string, rest: string[], user: string, body: unknown): Routed {
    const store = this.store;
    const base = `/sites/${site}/deployments`;
    if (rest.length === 0) {
      if (method !== "POST") throw new StandinError(405, "Method Not Allowed");
      if (!isObject(body)) throw new StandinError(400, "The deployment you are trying to submit is not valid: expected a JSON object");
      const d = store.submitDeployment(site, user, body);
      const reinstall = this.options.reinstall;
      return {
        status: 201,
        doc: withLinks(store.deploymentDoc(d), `${base}/${d.uid}`),
        headers: { Location: `${this.url}${PREFIX}${base}/${d.uid}` },
        ...(reinstall ? { after: () => reinstall(d.nodes) } : {}),
      };
    }
    const d = store.deployments.get(rest[0]!);
    if (!d || d.site !== site || rest.length > 1) throw new StandinError(404, `Couldn't find Grid5000::Deployment with ID=${rest[0]}`);
    if (method === "DELETE") {
      if (d.user !== user) throw new StandinError(403, "You are not authorized to access this resource");
      if (store.deploymentStatus(d) === "processing") d.canceledAt = store.now();
      return { status: 202, doc: "", headers: { Location: `${this.url}${PREFIX}${base}/${d.uid}` } };
    }
    if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
    return { status: 200, doc: withLinks(store.deploymentDoc(d), `${base}/${d.uid}`) };
  }

  private vlansRoute(method: string, site: string, rest: string[], user: string, body: unknown): Routed {
    const store = this.store;
    const base = `/sites/${site}/vlans`;
    const vlanLinks = (id: string): Json[] => [
      { rel: "dhcpd", type: ITEM, href: `${PREFIX}${base}/${id}/dhcpd` },
      { rel: "nodes", type: ITEM, href: `${PREFIX}${base}/${id}/nodes` },
      { rel: "users", type: COLLECTION, href: `${PREFIX}${base}/${id}/users` },
      { rel: "self", type: ITEM, href: `${PREFIX}${base}/${id}` },
      { rel: "parent", type: COLLECTION, href: `${PREFIX}${base}` },
    ];
    if (rest.length === 0) {
      if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
      const items = [{ uid: "DEFAULT", type: "NULL", links: vlanLinks("DEFAULT") }, ...store.vlanIds(site).map((id) => ({ uid: id, type: store.vlanType(id), links: vlanLinks(id) }))];
      return { status: 200, doc: collection(items, base), type: COLLECTION };
    }
    const id = rest[0]!;
    if (!store.vlanIds(site).includes(id)) throw new StandinError(404, `Vlan ${id} does not exist`);
    if (rest.length === 1) {
      if (method !== "GET") throw new StandinError(405, "Method Not Allowed");
      return { status: 200, doc: { uid: id, type: store.vlanType(id), links: vlanLinks(id) } };
    }
    if (rest[1] !== "nodes" || rest.length > 2) throw new StandinError(404, "Not Found");
    if (method === "GET") {
      const members = [...store.vlanOf].filter(([node, vlan]) => vlan === id && node.endsWith(`.${site}.grid5000.fr`)).map(([node]) => node).sort();
      const items = members.map((n) => ({ uid: n, vlan: id, links: [{ rel: "self", href: `${PREFIX}${base}/nodes/${n}`, type: ITEM }, { rel: "parent", href: `${PREFIX}${base}/nodes`, type: COLLECTION }] }));
      return { status: 200, doc: collection(items, `${base}/${id}/nodes`), type: COLLECTION };
    }
    if (method !== "POST") throw new StandinError(405, "Method Not Allowed");
    // VlansNodesController#add: JSON array only, 415 / 422 otherwise.
    if (!Array.isArray(body) || body.length === 0) throw new StandinError(422, "Missing node list");
    if (!store.ownsVlan(site, user, id)) throw new StandinError(403, "Not enough privileges on Kavlan resources");
    const result: Json = {};
    for (const node of body.map(String)) {
      if (!store.knowsNode(site, node)) result[node] = { status: "failure", message: "Unknown node" };
      else if (store.vlanOf.get(node) === id) result[node] = { status: "unchanged", message: "Node already in vlan" };
      else {
        store.vlanOf.set(node, id);
        result[node] = { status: "success", message: "Successfully added to vlan" };
      }
    }
    return { status: 200, doc: result, type: "application/json" };
  }

  /** GET /sites/{site}/status as OAR::Resource.status derives it (one entry per node, slots per core). */
  private status(site: string): Json {
    const store = this.store;
    const ref = store.reference;
    const nodes: Json = {};
    const live = [...store.jobs.values()].filter((j) => j.site === site && store.isLive(j) && j.nodes.length);
    for (const cluster of ref.clusters(site)) {
      for (const uid of ref.nodes(site, cluster)) {
        const fqdn = `${uid}.${site}.grid5000.fr`;
        const cores = ((ref.node(site, cluster, uid)?.architecture as Json | undefined)?.nb_cores as number | undefined) ?? 1;
        const jobs = live.filter((j) => j.nodes.includes(fqdn));
        const running = jobs.filter((j) => store.state(j) === "running" || store.state(j) === "launching");
        const besteffort = running.some((j) => j.queue === "besteffort");
        const busy = running.length ? cores : 0;
        nodes[fqdn] = {
          hard: "alive",
          soft: busy ? (besteffort ? "busy_besteffort" : "busy") : "free",
          free_slots: cores - busy,
          freeable_slots: besteffort ? busy : 0,
          busy_slots: besteffort ? 0 : busy,
          reservations: jobs.map((j) => {
            const { events: _events, ...reservation } = store.jobDoc(j, false);
            return withLinks(reservation, `/sites/${site}/jobs/${j.uid}`);
          }),
        };
      }
    }
    return { uid: store.now(), nodes, disks: {}, links: [{ rel: "self", href: `${PREFIX}/sites/${site}/status`, type: ITEM }, { rel: "parent", href: `${PREFIX}/sites/${site}`, type: ITEM }] };
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withLinks(doc: Json, path: string): Json {
  const parent = path.replace(/\/[^/]+$/, "");
  return { ...doc, links: [{ rel: "self", type: ITEM, href: `${PREFIX}${path}` }, { rel: "parent", type: ITEM, href: `${PREFIX}${parent}` }] };
}

function collection(items: Json[], path: string): Json {
  return { total: items.length, offset: 0, items, links: [{ rel: "self", type: COLLECTION, href: `${PREFIX}${path}` }] };
}

function hms(seconds: number): string {
  return `${Math.floor(seconds / 3600)}:${Math.floor((seconds % 3600) / 60)}:${seconds % 60}`;
}

/** ApplicationController#set_default_format: the first Accept type decides; application/json always works. */
function negotiate(accept: string | undefined, type: string): string | undefined {
  const first = (accept ?? "").split(",")[0]?.split(";")[0]?.trim() ?? "";
  if (!first || first === "*/*") return type;
  if (first === "application/json") return "application/json";
  return first === type ? type : undefined;
}

function defaultText(status: number): string {
  return ({ 500: "Internal Server Error", 502: "Bad Gateway", 503: "Server Unavailable" } as Record<number, string>)[status] ?? `Error ${status}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startStandin(options: StandinOptions): Promise<Standin> {
  return new Standin(options).start();
}
