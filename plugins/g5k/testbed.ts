import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../engine/errors.ts";
import type { FailurePolicy } from "../../engine/policy.ts";
import type { Node, Vm } from "../../engine/hosts.ts";
import { SshRunner } from "../../engine/process/index.ts";
import type {
  BootVmsOptions,
  DeployOptions,
  ReserveRequest,
  StepContext,
  Testbed,
  TestbedInit,
  TestbedMetrics,
} from "../../engine/testbed.ts";
import { ipMacPairs, LibvirtVmRuntime, libvirtOptions, provisionNodes, VmRuntimeSteps, type ProvisionReport } from "../libvirt/index.ts";
import type { IpMac } from "../libvirt/index.ts";
import { gatewayHost, readNodeAddresses } from "./access.ts";
import { G5kClient } from "./api/client.ts";
import { systemClock } from "../../engine/batch/clock.ts";
import type { BackoffPolicy, Clock } from "../../engine/batch/clock.ts";
import { DEFAULT_CREDENTIALS_FILE, loadCredentials } from "./api/credentials.ts";
import type { Credentials } from "./api/credentials.ts";
import type { JobDoc } from "./api/documents.ts";
import { resourceString } from "./api/jobs.ts";
import { oarWalltime } from "../../engine/batch/job.ts";
import type { JobRef, JobSubmission } from "./api/jobs.ts";
import { vlanHostName } from "./api/kavlan.ts";
import type { NodeInfo } from "./api/reference.ts";
import { parseFqdn } from "./api/reference.ts";
import { findSlot } from "./api/status.ts";
import { deleteAll, findJobsByName, submitAllOrNothing } from "./multisite.ts";
import { parseOptions, runJobName } from "./options.ts";
import type { G5kOptions } from "./options.ts";
import { planVms } from "./vms.ts";
import type { NodeVmRuntime, NodeVmRuntimeFactory } from "./vms.ts";

/** What tests (and the end-to-end harness) inject; production uses the defaults. */
export interface G5kDeps {
  readonly clock?: Clock;
  readonly backoff?: BackoffPolicy;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Starts and drives VMs on the deployed nodes (shared with the local testbed). */
  readonly vmRuntime?: NodeVmRuntimeFactory;
}

/** g5k-subnets hands out /22 blocks: the guests' prefix length. */
const SUBNET_PREFIX = 22;

/** The default VM runtime: libvirt over SSH, the local testbed's code. */
const libvirtRuntime = (options: G5kOptions): NodeVmRuntimeFactory => (nodes, env) =>
  new LibvirtVmRuntime({ nodes, runner: env.runner, options: libvirtOptions(options), prefixLength: SUBNET_PREFIX, log: env.log });

/** Jobs held by the live g5k testbeds of this process (API, site, uid): one run may reserve several times, all under its one job name. */
const held = new Set<string>();

/** OAR runs this as the job's script: the job only holds the nodes; the workflow drives them. */
const HOLD_COMMAND = "sleep 31536000";
/** A common start for multi-site jobs is searched this far ahead. */
const SLOT_HORIZON = 7 * 86400;
/** Margin before a synchronised multi-site start, for the submissions to land. */
const SLOT_OFFSET = 60;

/** The account: G5K_USER/G5K_PASSWORD, else the `credentials` file, else ~/.grid5000.yml (README §1). */
export function g5kCredentials(options: G5kOptions, env: Readonly<Record<string, string | undefined>>, warn?: (message: string) => void): Credentials | undefined {
  return loadCredentials({ env, file: options.credentials, defaultFile: DEFAULT_CREDENTIALS_FILE, warn });
}

/** Splits n nodes over k sites as evenly as possible, the first sites taking the remainder. */
/** Indexes of the spares among reserved nodes (sorted by site): taken from the end of each site's nodes in turn, so every site keeps its share. */
function sparePicks(nodes: readonly Node[], spares: number): number[] {
  const bySite = new Map<string, number[]>();
  nodes.forEach((n, i) => bySite.set(n.labels?.site ?? "", [...(bySite.get(n.labels?.site ?? "") ?? []), i]));
  const queues = [...bySite.values()];
  const picks: number[] = [];
  for (let k = 0; picks.length < Math.min(spares, nodes.length); k = (k + 1) % queues.length) {
    const i = queues[k]!.pop();
    if (i !== undefined) picks.push(i);
  }
  return picks;
}

export function splitNodes(n: number, sites: readonly string[]): Record<string, number> {
  if (n < sites.length) throw new UsageError(`g5k: ${n} node(s) cannot be spread over ${sites.length} sites`);
  return Object.fromEntries(sites.map((site, i) => [site, Math.floor(n / sites.length) + (i < n % sites.length ? 1 : 0)]));
}

export class G5kTestbed extends VmRuntimeSteps implements Testbed {
  readonly kind = "g5k";
  readonly clock = "wall" as const;
  readonly client: G5kClient;
  private readonly credentials: Credentials | undefined;
  private jobs: JobRef[] = [];
  private readonly addresses: Record<string, IpMac[]> = {};
  private readonly vlans: Record<string, string> = {};
  private readonly referenceCache = new Map<string, Promise<readonly NodeInfo[]>>();
  private runtime: NodeVmRuntime | undefined;
  private runner: SshRunner | undefined;
  private deployed: readonly Node[] = [];
  /** Reserved beyond the nodes asked (the `spares` option): deployed with them, provisioned only to replace one that failed. */
  private spareNodes: readonly Node[] = [];
  private readonly nodeAddresses: Readonly<Record<string, string>>;
  private released = false;
  /** OAR job name: the `jobName` option, else one naming this run (runJobName). */
  readonly jobName: string;
  /** Ends of the running jobs (epoch ms on this machine's clock). */
  private ends: number[] = [];
  private readonly apiClock: Clock;
  /** Wall seconds of each stage of the deployment cycle (the last time it ran), and the nodes it ran on. */
  private readonly stages = new Map<string, { seconds: number; nodes: number }>();
  private readonly excluded: Array<{ node: string; stage: string; reason: string }> = [];

  constructor(
    readonly options: G5kOptions,
    private readonly init: TestbedInit,
    private readonly deps: G5kDeps = {},
  ) {
    super();
    this.credentials = g5kCredentials(options, deps.env ?? process.env, init.log);
    this.jobName = options.jobName ?? runJobName(init.archiveDir);
    this.nodeAddresses = options.addresses ? readNodeAddresses(options.addresses) : {};
    this.apiClock = deps.clock ?? systemClock;
    this.client = new G5kClient({
      baseUrl: options.api,
      credentials: this.credentials,
      clock: this.apiClock,
      backoff: deps.backoff,
    });
  }

  describe(): Readonly<Record<string, unknown>> {
    const o = this.options;
    return {
      api: o.api,
      sites: o.sites,
      cluster: o.cluster ?? null,
      jobName: this.jobName,
      walltime: o.walltime,
      environment: o.environment,
      vlan: o.vlan,
      subnets: o.subnets,
      deployRounds: o.deployRounds,
      minDeployed: o.minDeployed,
      gateway: o.gateway ?? null,
      accel: o.accel,
      imageDir: o.imageDir,
      addressesFrom: o.addresses ?? null,
      user: this.credentials?.user ?? null,
      credentialsFrom: this.credentials?.source ?? "none",
      jobs: this.jobs.map((j) => ({ site: j.site, uid: j.uid })),
    };
  }

  /** Times one stage of the cycle: journal `g5k-stage`, and a row of collect()'s `stages` table. */
  private async timed<T>(stage: string, nodes: number, ctx: StepContext, work: () => Promise<T>, extra: (value: T) => Readonly<Record<string, unknown>> = () => ({})): Promise<T> {
    const t0 = Date.now();
    const value = await work();
    const seconds = (Date.now() - t0) / 1000;
    this.stages.set(stage, { seconds, nodes });
    ctx.journal({ event: "g5k-stage", stage, nodes, seconds, ...extra(value) });
    return value;
  }

  async reserve(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]> {
    return this.timed("reserve", request.nodes, ctx, () => this.reserveNodes(request, ctx));
  }

  private async reserveNodes(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]> {
    const sites = request.where?.sites?.split(",").map((s) => s.trim()) ?? this.options.sites;
    const cluster = request.where?.cluster ?? this.options.cluster;
    if (cluster && sites.length > 1) throw new UsageError("g5k: 'cluster' names one cluster; leave it out when reserving on several sites");
    const walltime = request.walltime ?? this.options.walltime;
    const spares = this.options.spares;
    const counts = splitNodes(request.nodes + spares, sites);
    const user = this.credentials?.user;

    // Jobs another testbed of this process holds are never adopted: its release would delete them under us.
    let refs = this.options.reattach ? await findJobsByName(this.client.jobs, sites, this.jobName, user, ctx.signal, (ref) => held.has(this.jobKey(ref))) : [];
    const reattached = refs.length > 0;
    if (reattached) {
      // Checked now where OAR already assigned the nodes, and again once the jobs run.
      const mismatch = this.mismatch(refs, await Promise.all(refs.map((ref) => this.client.jobs.get(ref, ctx.signal))), counts, cluster);
      if (mismatch) throw new UsageError(mismatch);
      ctx.log(`g5k: reattached to job '${this.jobName}': ${refs.map((r) => `${r.site}/${r.uid}`).join(", ")}`);
    } else {
      if (cluster) await this.checkCluster(sites[0]!, cluster);
      if (this.options.provision) await this.checkVmHosting(sites, cluster, counts, request.vms);
      const reservation = this.options.reservation ?? (sites.length > 1 ? await this.commonStart(counts, walltime, ctx) : undefined);
      // A global KaVLAN spans every site: reserved once, with the first site's job, and every site's nodes deployed into it.
      const submissions = sites.map((site, i) => ({ site, submission: this.submission(counts[site]!, cluster, walltime, reservation, !(this.options.vlan === "kavlan-global" && i > 0)) }));
      refs = await submitAllOrNothing(this.client.jobs, submissions, ctx.signal, ctx.log);
    }
    this.hold(refs);
    ctx.journal({ event: "g5k-jobs", jobs: refs.map((r) => ({ site: r.site, uid: r.uid })), reattached });

    let docs: JobDoc[];
    try {
      let running = 0;
      docs = await Promise.all(
        refs.map(async (ref) => {
          const doc = await this.client.jobs.waitRunning(ref, ctx.signal, (job, next) =>
            ctx.log(`g5k: job ${ref.site}/${ref.uid} ${job.state}${job.scheduled_at ? `, scheduled at ${new Date(job.scheduled_at * 1000).toISOString()}` : ""}; next check in ${Math.round(next)} s`),
          );
          ctx.progress({ done: ++running, total: refs.length, running });
          return doc;
        }),
      );
    } catch (error) {
      if (!this.options.keepJobs) ctx.log(`g5k: ${await deleteAll(this.client.jobs, refs)}`);
      this.hold([]);
      throw error;
    }
    const mismatch = reattached ? this.mismatch(refs, docs, counts, cluster) : undefined;
    if (mismatch) {
      this.hold([]); // not this run's job: left alone
      throw new UsageError(mismatch);
    }

    this.noteWalltimes(docs);
    const nodes: Node[] = [];
    for (const doc of docs) {
      const site = refs.find((r) => r.uid === doc.uid)!.site;
      this.addresses[site] = ipMacPairs(doc.resources_by_type?.subnets ?? []);
      const vlan = doc.resources_by_type?.vlans?.[0];
      if (vlan) this.vlans[site] = vlan;
      for (const fqdn of [...(doc.assigned_nodes ?? [])].sort()) nodes.push(await this.toNode(fqdn, doc.uid));
    }
    const global = this.options.vlan === "kavlan-global" ? Object.values(this.vlans)[0] : undefined;
    if (global) for (const site of sites) this.vlans[site] = global;
    // `cores` asked for: the capacity schedulers and metrics count on each node, at most the real one (overloads made with a few guests).
    const cores = request.cores;
    const sized = cores === undefined ? nodes : nodes.map((n) => ({ ...n, capacity: { ...n.capacity!, cores: Math.min(cores, n.capacity!.cores) } }));
    // Spares: the last nodes of the reservation, one per site in turn from the end.
    const spareIndex = new Set(sparePicks(sized, spares));
    this.spareNodes = sized.filter((_, i) => spareIndex.has(i));
    if (spares) ctx.journal({ event: "g5k-spares", nodes: this.spareNodes.map((n) => n.name) });
    return sized.filter((_, i) => !spareIndex.has(i));
  }

  async deploy(nodes: readonly Node[], options: DeployOptions, ctx: StepContext): Promise<readonly Node[]> {
    const spares = this.spareNodes.filter((s) => !nodes.some((n) => n.name === s.name));
    const all = await this.timed("deploy", nodes.length + spares.length, ctx, () => this.kadeploy([...nodes, ...spares], options, ctx));
    const deployedSpares = all.filter((n) => spares.some((m) => m.name === n.name));
    const deployed = all.filter((n) => nodes.some((m) => m.name === n.name));
    // Nodes Kadeploy lost: their places go to deployed spares at once, the rest stay in reserve for provisioning.
    for (const lost of nodes.filter((n) => !deployed.some((d) => d.name === n.name))) {
      const spare = deployedSpares.shift();
      if (!spare) break;
      deployed.push(spare);
      ctx.journal({ event: "node-replaced", step: "deploy", node: lost.name, spare: spare.name });
    }
    // `vms: false`: the nodes only run processes, no hypervisor to make.
    this.deployed = this.options.provision && options.vms !== false ? (await this.provision(deployed, ctx, options.policy, deployedSpares)).nodes : deployed;
    return this.deployed;
  }

  /** Kadeploy on every site, KO nodes redeployed up to deployRounds times; the nodes that made it. */
  private async kadeploy(nodes: readonly Node[], options: DeployOptions, ctx: StepContext): Promise<Node[]> {
    const environment = options.image ?? this.options.environment;
    const key = this.publicKey(ctx);
    const bySite = new Map<string, Node[]>();
    for (const node of nodes) bySite.set(node.labels?.site ?? "", [...(bySite.get(node.labels?.site ?? "") ?? []), node]);
    let done = 0;
    let failed = 0;
    const outcomes = await Promise.all(
      [...bySite].map(async ([site, siteNodes]) => {
        const vlan = this.vlans[site];
        const outcome = await this.client.deployments.deployWithRetry(
          site,
          { nodes: siteNodes.map((n) => n.name), environment, ...(key ? { key } : {}), ...(vlan ? { vlan } : {}) },
          this.options.deployRounds,
          ctx.signal,
          (round) => {
            done += round.nodes.length - round.ko.length;
            ctx.journal({ event: "g5k-deploy-round", site, ...round });
            if (round.ko.length) ctx.log(`g5k: ${site} deployment round ${round.round}: ${round.ko.length} KO (${round.ko.join(", ")})${round.output ? `: ${round.output}` : ""}`);
            ctx.progress({ done, total: nodes.length, failed: round.ko.length });
          },
        );
        failed += outcome.ko.length;
        return { site, outcome, siteNodes };
      }),
    );
    const deployed: Node[] = [];
    for (const { site, outcome, siteNodes } of outcomes) {
      const ok = new Set(outcome.ok);
      const vlan = this.vlans[site];
      for (const node of siteNodes) {
        if (ok.has(node.name)) deployed.push({ ...node, address: this.nodeAddresses[node.name] ?? (vlan ? vlanHostName(node.name, vlan) : node.address) });
      }
    }
    if (deployed.length < Math.ceil(nodes.length * this.options.minDeployed)) {
      const ko = outcomes.flatMap((o) => o.outcome.ko);
      throw new Error(`g5k: only ${deployed.length} of ${nodes.length} nodes deployed after ${this.options.deployRounds} round(s) (below minDeployed=${this.options.minDeployed}); KO: ${ko.join(", ")}`);
    }
    if (failed) ctx.log(`g5k: going on without ${failed} node(s) that failed every deployment round`);
    return deployed;
  }

  /**
   * Makes deployed nodes hypervisors (plugins/libvirt/provision): run by
   * deploy, and again at will (idempotent: a provisioned node is left as it
   * is). Nodes that keep failing are excluded under `policy` (default: the
   * provisionRetries option, and minDeployed of the nodes must make it).
   */
  async provision(nodes: readonly Node[], ctx: StepContext, policy?: FailurePolicy, spares: readonly Node[] = []): Promise<ProvisionReport> {
    const o = this.options;
    const rules: FailurePolicy = policy ?? { retries: o.provisionRetries, require: { fraction: o.minDeployed } };
    const report = await this.timed(
      "provision",
      nodes.length,
      ctx,
      () => provisionNodes(nodes, this.processRunner(), { libvirtDir: o.libvirtDir, nodeInterface: o.nodeInterface, retries: o.provisionRetries }, ctx, rules, spares),
      (r) => ({ substeps: r.stages, skipped: r.skipped, steps: r.steps, failed: r.failed.map((f) => f.node) }),
    );
    this.excluded.push(...report.failed);
    return report;
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]> {
    const factory = this.vmRuntimeFactory();
    const plan = planVms(nodes, options, this.addresses);
    ctx.journal({ event: "g5k-vm-plan", vms: plan.map((p) => ({ name: p.name, node: p.node.name, ip: p.ip, mac: p.mac })) });
    // The runtime knows every deployed node, not only those given VMs: guests migrate to the others.
    this.runtime ??= factory(this.deployed.length ? this.deployed : nodes, { runner: this.processRunner(), log: this.init.log });
    const runtime = this.runtime;
    return this.timed("boot", nodes.length, ctx, () => runtime.boot(plan, ctx, options.policy), (vms) => ({ vms: vms.length, planned: plan.length }));
  }

  /** The VM runtime's metrics, with the deployment cycle's: a `stages` table (seconds per stage) and the nodes provisioning excluded. */
  override async collect(ctx: StepContext): Promise<TestbedMetrics> {
    const base = await super.collect(ctx);
    const staging = base.counters.imageStagingSeconds;
    // The image goes to the nodes during the first bootVms: reported as its own stage, out of that boot's time.
    const stages = [...this.stages].map(([stage, s]) => ({ stage, seconds: stage === "boot" && staging ? Math.max(0, s.seconds - staging) : s.seconds, nodes: s.nodes }));
    if (staging) stages.push({ stage: "broadcast", seconds: staging, nodes: this.deployed.length });
    return {
      ...base,
      tables: { ...base.tables, stages, provision_failures: this.excluded.map((f) => ({ ...f })) },
      counters: { ...base.counters, provisionedNodes: this.deployed.length, excludedNodes: this.excluded.length },
    };
  }

  /** SSH to the nodes as root, through the access gateway when one is set (nodes carry it as their jump host). */
  processRunner(): SshRunner {
    // Nodes get fresh host keys at every deployment: trust on first use for this run, nothing written to ~/.ssh.
    this.runner ??= new SshRunner({ connectTimeout: 20 });
    return this.runner;
  }

  /** Deletes only the jobs this testbed holds: those it submitted, or reattached to after they matched its request. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.runtime?.close();
      await this.runner?.close();
    } finally {
      // the jobs are released whatever closing the VMs said: a leaked job holds nodes until its walltime ends
      if (this.jobs.length && !this.options.keepJobs) this.init.log(`g5k: ${await deleteAll(this.client.jobs, this.jobs)}`);
      else if (this.jobs.length) this.init.log(`g5k: keeping jobs ${this.jobs.map((j) => `${j.site}/${j.uid}`).join(", ")} (keepJobs=true)`);
      this.hold([]);
    }
  }

  /** The jobs this testbed answers for (and deletes at release), known process-wide so no other testbed adopts them. */
  private hold(refs: readonly JobRef[]): void {
    for (const ref of this.jobs) held.delete(this.jobKey(ref));
    this.jobs = [...refs];
    for (const ref of refs) held.add(this.jobKey(ref));
  }

  private jobKey(ref: JobRef): string {
    return `${this.client.http.baseUrl} ${ref.site}/${ref.uid}`;
  }

  /**
   * A live job found by name is adopted only if it is what this reservation
   * asks for: as many nodes on each site (and of the cluster asked for); the
   * sites themselves match by findJobsByName's all-or-nothing rule. Anything
   * else is someone else's job: the one-line reason (for a UsageError; the
   * job is left alone), else undefined.
   */
  private mismatch(refs: readonly JobRef[], docs: readonly JobDoc[], counts: Readonly<Record<string, number>>, cluster: string | undefined): string | undefined {
    for (const [i, { site, uid }] of refs.entries()) {
      const nodes = docs[i]?.assigned_nodes ?? [];
      if (!nodes.length) continue; // OAR has not placed it yet
      const foreign = cluster === undefined ? undefined : nodes.find((n) => parseFqdn(n).cluster !== cluster);
      const why =
        nodes.length !== counts[site] ? `holds ${nodes.length} node(s), this reservation asks for ${counts[site]} on ${site}`
        : foreign ? `holds ${foreign}, not of cluster ${cluster}`
        : undefined;
      if (why) return `g5k: live job '${this.jobName}' (${site}/${uid}) ${why}: it is not this run's; delete it or set another jobName`;
    }
    return undefined;
  }

  /** The earliest end of the run's jobs, on this machine's clock. */
  walltimeEnd(): number | null {
    return this.ends.length ? Math.min(...this.ends) : null;
  }

  /** Asks OAR for `seconds` more on every job; the new end once every job got it, else null. */
  async extendWalltime(seconds: number): Promise<number | null> {
    if (!this.jobs.length) return null;
    const before = this.walltimeEnd() ?? 0;
    const change = `+${oarWalltime(Math.round(seconds))}`;
    await Promise.all(this.jobs.map((ref) => this.client.jobs.extendWalltime(ref, change)));
    this.noteWalltimes(await Promise.all(this.jobs.map((ref) => this.client.jobs.get(ref))));
    const after = this.walltimeEnd() ?? 0;
    return after > before ? after : null;
  }

  /** Job ends from `started_at + walltime` on the API's clock, carried over to this machine's. */
  private noteWalltimes(docs: readonly JobDoc[]): void {
    const now = this.apiClock.now();
    this.ends = docs.flatMap((d) => (d.started_at !== undefined && d.walltime !== undefined ? [Date.now() + ((d.started_at + d.walltime) * 1000 - now)] : []));
  }

  private submission(nodes: number, cluster: string | undefined, walltime: number, reservation: string | number | undefined, withVlan: boolean): JobSubmission {
    const o = this.options;
    const vlan = o.vlan === "none" || !withVlan ? undefined : o.vlan;
    return {
      name: this.jobName,
      resources: resourceString({ nodes, walltime, ...(cluster ? { cluster } : {}), ...(vlan ? { vlan } : {}), ...(o.subnets ? { subnets22: o.subnets } : {}) }),
      command: HOLD_COMMAND,
      types: ["deploy"],
      // In vivo: only nodes with hardware virtualization (OAR's `virtual` property: ivt, amd-v or none).
      ...(o.properties || o.provision ? { properties: [o.properties, o.provision ? "virtual!='none'" : undefined].filter(Boolean).join(" and ") } : {}),
      ...(o.queue ? { queue: o.queue } : {}),
      ...(o.project ? { project: o.project } : {}),
      ...(reservation !== undefined ? { reservation: /^\d+$/.test(String(reservation)) ? Number(reservation) : reservation } : {}),
    };
  }

  /** Multi-site jobs must start together: find the earliest slot where every site has room (as enoslib does). */
  private async commonStart(counts: Record<string, number>, walltime: number, ctx: StepContext): Promise<number> {
    const sites = Object.keys(counts);
    const statuses = Object.fromEntries(await Promise.all(sites.map(async (s) => [s, await this.client.status.site(s, ctx.signal)] as const)));
    const earliest = Math.ceil(this.client.http.clock.now() / 1000) + SLOT_OFFSET;
    const slot = findSlot(statuses, sites.map((site) => ({ site, nodes: counts[site]! })), walltime, earliest, SLOT_HORIZON);
    if (!slot) throw new UsageError(`g5k: no common slot on ${sites.join(", ")} within ${SLOT_HORIZON / 86400} days for ${walltime} s`);
    ctx.log(`g5k: common start on ${sites.join(", ")} at ${new Date(slot.start * 1000).toISOString()}`);
    return slot.start;
  }

  /**
   * What would make an in-vivo run fail after its nodes are reserved, refused
   * before: an environment the sites do not offer or that cannot run KVM
   * guests (Xen, not x86_64), a cluster without hardware virtualization
   * (Reference API: supported_job_types.virtual), fewer VM addresses than
   * VMs asked for. Without a cluster, OAR is asked for virtualization-capable
   * nodes (submission()).
   */
  private async checkVmHosting(sites: readonly string[], cluster: string | undefined, counts: Readonly<Record<string, number>>, vms: number | undefined): Promise<void> {
    const environment = this.options.environment;
    // Registered user environments (name@user) and description files are the user's to vouch for.
    if (!/[@/]/.test(environment)) {
      for (const site of sites) {
        const offered = await this.client.reference.environments(site);
        const env = offered.find((e) => e.name === environment || e.alias === environment);
        if (!env) throw new UsageError(`g5k: no environment '${environment}' on ${site} (e.g. ${[...new Set(offered.map((e) => e.name))].filter((n) => /^debian\d+-min$/.test(n)).join(", ")})`);
        if ((env.arch && env.arch !== "x86_64") || /xen/.test(environment)) {
          throw new UsageError(`g5k: environment '${environment}' cannot host KVM guests (${env.arch ?? "?"}${/xen/.test(environment) ? ", Xen kernel" : ""}): use an x86_64 environment such as debian11-min`);
        }
      }
    }
    if (cluster) {
      const nodes = await this.client.reference.nodes(sites[0]!, cluster);
      const without = nodes.find((n) => n.jobTypes.virtual === false);
      if (without) throw new UsageError(`g5k: cluster '${cluster}' has no hardware virtualization (Reference API: ${without.fqdn} supported_job_types.virtual = false): choose another cluster`);
    }
    if (vms !== undefined) {
      const perBlock = 1022; // a /22 without its first and last addresses (ipMacPairs)
      for (const site of sites) {
        const wanted = Math.ceil((vms * counts[site]!) / Object.values(counts).reduce((a, b) => a + b, 0));
        const have = this.options.subnets * perBlock;
        if (wanted > have) throw new UsageError(`g5k: ${wanted} VMs on ${site} need ${Math.ceil(wanted / perBlock)} /22 block(s) of addresses, subnets=${this.options.subnets} gives ${have}: raise the 'subnets' option`);
      }
    }
  }

  private async checkCluster(site: string, cluster: string): Promise<void> {
    const clusters = await this.client.reference.clusters(site);
    if (!clusters.some((c) => c.uid === cluster)) {
      throw new UsageError(`g5k: no cluster '${cluster}' on ${site} (known: ${clusters.map((c) => c.uid).join(", ")})`);
    }
  }

  private async toNode(fqdn: string, job: number): Promise<Node> {
    const { site, cluster } = parseFqdn(fqdn);
    const key = `${site}/${cluster}`;
    if (!this.referenceCache.has(key)) this.referenceCache.set(key, this.client.reference.nodes(site, cluster));
    const info = (await this.referenceCache.get(key)!).find((n) => n.fqdn === fqdn);
    if (!info) throw new Error(`g5k: node ${fqdn} of job ${job} is not in the Reference API`);
    return {
      name: fqdn,
      address: this.nodeAddresses[fqdn] ?? fqdn,
      user: "root",
      ...(this.options.sshKey ? { keyFile: this.options.sshKey } : {}),
      ...(this.options.gateway ? { jump: gatewayHost(this.options.gateway, this.credentials?.user, this.options.sshKey) } : {}),
      labels: { site, cluster, job: String(job) },
      capacity: { cores: info.cores, memoryMiB: info.memoryMiB },
    };
  }

  /** Content of the public key Kadeploy installs for root: option, else <sshKey>.pub, else ~/.ssh/id_*.pub. */
  private publicKey(ctx: StepContext): string | undefined {
    const candidates = this.options.publicKey
      ? [this.options.publicKey]
      : [...(this.options.sshKey ? [`${this.options.sshKey}.pub`] : []), ...["id_ed25519.pub", "id_rsa.pub"].map((f) => join(homedir(), ".ssh", f))];
    const file = candidates.find((f) => existsSync(f));
    if (!file) {
      if (this.options.publicKey) throw new UsageError(`g5k: public key file ${this.options.publicKey} not found`);
      ctx.log("g5k: no public key found; deployed nodes will only accept the keys Kadeploy installs by default");
      return undefined;
    }
    return readFileSync(file, "utf8").trim();
  }

  private vmRuntimeFactory(): NodeVmRuntimeFactory {
    return this.deps.vmRuntime ?? libvirtRuntime(this.options);
  }

  protected requireRuntime(): NodeVmRuntime {
    if (!this.runtime) throw new Error("g5k: VMs are not booted yet (call bootVms first)");
    return this.runtime;
  }
}

export function createG5kTestbed(init: TestbedInit, deps: G5kDeps = {}): G5kTestbed {
  return new G5kTestbed(parseOptions(init.options), init, deps);
}
