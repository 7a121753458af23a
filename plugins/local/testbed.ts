import { cp, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { PolicyError, underPolicy } from "../../engine/policy.ts";
import type { Node, Vm } from "../../engine/hosts.ts";
import { RELAY_PROGRAM, SshRunner, type ProcessRunner } from "../../engine/process/index.ts";
import type { FanoutSupport } from "../../engine/actions/runners.ts";
import { DELAYER_PROGRAM } from "../../engine/services/index.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, Testbed, TestbedInit, TestbedMetrics } from "../../engine/testbed.ts";
import {
  buildGuestImage,
  chooseAccel,
  LibvirtVmRuntime,
  libvirtOptions,
  oneLine,
  placeVms,
  SubnetAllocator,
  virsh,
  VmRuntimeSteps,
  type AccelChoice,
  type GuestImage,
} from "../libvirt/index.ts";
import { createNodePool, destroyNodes, libvirtdPid, startNode, type LocalNode, type LocalNodes } from "./node/deploy.ts";
import type { LocalOptions } from "./options.ts";
import { holdThroughOar, type OarHold } from "./oar/reservation.ts";
import { releaseReservation, reserveNodes, type Reservation } from "./reservations.ts";
import { within } from "./within.ts";

/** Seconds a started node's libvirtd has to answer virsh before the attempt fails. */
const USABLE_WITHIN: Seconds = 60;
/** Release bounds: the runtime's own (destroys at both ends of a move, 30 s each) fit in the first. */
const CLOSE_WITHIN: Seconds = 120;
const DESTROY_WITHIN: Seconds = 180;

/** The accelerator line is said once per process, however many testbeds it creates. */
let accelSaid = false;

/**
 * One reservation of the local real testbed (docs/testbeds.md): nodes are
 * network namespaces of this machine, each with its sshd and libvirtd. Once
 * they are deployed, their guests are driven by the libvirt runtime shared
 * with the g5k and ssh testbeds, as on remote machines.
 */
export class LocalTestbed extends VmRuntimeSteps implements Testbed {
  readonly kind = "local";
  readonly clock = "wall" as const;
  private image: GuestImage | null = null;
  private accel: AccelChoice | null = null;
  private reservation: Reservation | null = null;
  /** The OAR job granting the nodes (reservation=oar). */
  private oarHold: OarHold | null = null;
  private capacity: Node["capacity"] | null = null;
  private deployed: LocalNodes | null = null;
  private runner: SshRunner | null = null;
  private subnet: SubnetAllocator | null = null;
  /** The deployed nodes' guests: boot, load, observation, migrations and their figures. */
  private runtime: LibvirtVmRuntime | null = null;
  /** Nodes a failure policy let a step go on without. */
  private readonly excludedNodes: Array<{ node: string; step: string; attempts: number; reason: string }> = [];
  private vmCounter = 0;

  constructor(private readonly init: Pick<TestbedInit, "archiveDir" | "log">, private readonly opts: LocalOptions) {
    super();
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      kind: "local",
      nodes: this.deployed?.nodes.length ?? this.reservation?.nodes ?? 0,
      prefix: this.reservation?.prefix ?? null,
      oarJob: this.oarHold?.id ?? null,
      accel: this.accel?.accel ?? null,
      accelReason: this.accel?.reason ?? null,
      guestKernel: this.image?.kernelVersion ?? null,
      nodeCapacity: { cores: this.opts.cores, memoryMiB: this.opts.memoryMiB },
      guestSubnet: this.subnet?.cidr ?? null,
      agentNetwork: "tcp between agent processes in the nodes' namespaces",
      options: this.opts,
    };
  }

  protected requireRuntime(): LibvirtVmRuntime {
    if (!this.runtime) throw new UsageError(this.deployed ? "local testbed: the nodes were deployed with vms: false and run no guests" : "local testbed: deploy the nodes first");
    return this.runtime;
  }

  /** SSH to the nodes with the pool's key (and to guests, jumping through their node): what `x.exec` runs on. */
  processRunner(): ProcessRunner {
    if (!this.runner) throw new UsageError("local testbed: deploy the nodes first");
    return this.runner;
  }

  /**
   * The nodes share this machine's file system: relays run this node binary
   * on relay.mjs in place, the user-space netem runs in place where this
   * kernel lacks sch_netem; taktuk checks host keys against the pool's file.
   */
  fanout(): FanoutSupport {
    const knownHosts = this.deployed?.pool.knownHostsFile;
    return {
      relayArgv: [process.execPath, RELAY_PROGRAM],
      netemDelayerArgv: ["python3", DELAYER_PROGRAM],
      ...(knownHosts ? { taktuk: { sshOptions: ["StrictHostKeyChecking=yes", `UserKnownHostsFile=${knownHosts}`] } } : {}),
    };
  }

  async reserve(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]> {
    if (this.reservation) throw new UsageError("local testbed: this testbed already holds a reservation");
    if (process.getuid?.() !== 0) throw new UsageError("the local testbed needs root (namespaces, bridges, libvirtd)");
    this.image = await buildGuestImage(ctx.log);
    this.accel = await chooseAccel(this.image, this.opts.accel);
    if (!accelSaid) {
      accelSaid = true;
      ctx.log(`using ${this.accel.accel === "kvm" ? "KVM" : "TCG (software emulation)"}: ${this.accel.reason}`);
    }
    this.reservation = await reserveNodes(request.nodes, this.opts.poolSize);
    if (this.opts.reservation === "oar") {
      const walltime = Math.ceil(request.walltime ?? 3600);
      this.oarHold = await holdThroughOar({ prefix: this.reservation.prefix, nodes: request.nodes, walltime, properties: this.opts.oarProperties }, ctx);
    }
    const hold = this.oarHold;
    const capacity = { cores: request.cores ?? this.opts.cores, memoryMiB: request.memoryMiB ?? this.opts.memoryMiB };
    this.capacity = capacity;
    ctx.journal({ event: "local-reserve", prefix: this.reservation.prefix, nodes: request.nodes, accel: this.accel.accel });
    return Array.from({ length: request.nodes }, (_, i) => {
      const name = `${this.reservation!.prefix}-h${i}`;
      const oar: Record<string, string> = hold ? { oarJob: String(hold.id), oarNode: hold.addresses[i] ?? "" } : {};
      return { name, address: name, capacity, labels: { testbed: "local", ...oar } };
    });
  }

  async deploy(nodes: readonly Node[], options: DeployOptions, ctx: StepContext): Promise<readonly Node[]> {
    const reservation = this.reservation;
    if (!reservation) throw new UsageError("local testbed: reserve nodes before deploying them");
    if (this.deployed) throw new UsageError("local testbed: nodes are already deployed");
    if (nodes.length !== reservation.nodes) throw new UsageError(`local testbed: deploy all ${reservation.nodes} reserved nodes, got ${nodes.length}`);
    this.subnet = new SubnetAllocator(Number(reservation.prefix.slice(2)), nodes.length);
    const subnet = this.subnet;
    const { pool, stateDir } = await createNodePool(reservation.prefix, nodes.length);
    // Held before any node starts, so a failed deploy is released like a good one.
    const started: LocalNode[] = [];
    this.deployed = { pool, nodes: started, stateDir };
    this.runner = new SshRunner({ hostKeyPolicy: { mode: "accept-new", knownHostsFile: pool.knownHostsFile }, connectTimeout: 10 });
    if (options.vms === false) {
      // Process-only nodes: sshd in each namespace, no libvirtd (bootVms refuses them).
      const deployedHosts = pool.hosts.map((h): Node => ({ ...h, capacity: this.capacity! }));
      ctx.log(`deployed ${deployedHosts.length} process-only nodes (${pool.subnet}), each with sshd`);
      return deployedHosts;
    }
    // libvirtd starts one at a time: each probes qemu (CPU-heavy) and two cores are shared.
    let queue: Promise<unknown> = Promise.resolve();
    const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
      const run = queue.then(work);
      queue = run.catch(() => undefined);
      return run;
    };
    const report = await underPolicy(
      pool.hosts,
      options.policy ?? {},
      { name: (h) => h.name, signal: ctx.signal, onEvent: (e) => ctx.journal({ ...e }) },
      async (host, attempt) => {
        const index = pool.hosts.indexOf(host);
        ctx.journal({ event: "node-deploying", node: host.name, attempt });
        const node = await oneAtATime(() => startNode(reservation.prefix, pool, index, subnet.nodeAddress(index)));
        await this.waitUsable(node);
        return node;
      },
    ).catch((error: unknown) => {
      throw error instanceof PolicyError ? new PolicyError(`deploy: ${oneLine(error.message).replace(/^(\d+ of \d+) hosts/, "$1 nodes")}`, error.failed) : error;
    });
    started.push(...report.ok.map((o) => o.value).sort((a, b) => a.index - b.index));
    const excluded = report.failed.map((f) => f.host.name);
    if (excluded.length > 0) ctx.journal({ event: "nodes-excluded", step: "deploy", nodes: excluded, reasons: report.failed.map((f) => oneLine(f.error ?? "")) });
    ctx.log(`deployed ${started.length}/${nodes.length} nodes (${pool.subnet}), each with sshd and libvirtd${excluded.length ? `; excluded: ${excluded.join(", ")}` : ""}`);
    this.excludedNodes.push(...report.failed.map((f) => ({ node: f.host.name, step: "deploy", attempts: f.attempts, reason: oneLine(f.error ?? "") })));
    const deployed = started.map((n): Node => ({ ...n.host, capacity: this.capacity! }));
    const image = this.image!;
    const accel = this.accel!.accel;
    this.runtime = new LibvirtVmRuntime({
      nodes: deployed,
      runner: this.runner,
      // The nodes share this machine's file system: the cached image is used in place (imageDir is not used).
      guest: { image, staged: { kernel: image.kernel, initrd: image.initrd, disk: image.disk }, accel },
      options: libvirtOptions({ ...this.opts, accel, imageDir: dirname(image.kernel), imageTransfer: "copy" }),
      prefixLength: SubnetAllocator.PREFIX,
      log: this.init.log,
    });
    return deployed;
  }

  /** Deployed means usable: the node answers SSH and its libvirtd answers virsh. A node that cannot get there fails at once. */
  private async waitUsable(node: LocalNode): Promise<void> {
    const name = node.host.name;
    const deadline = Date.now() + USABLE_WITHIN * 1000;
    for (;;) {
      const r = await this.processRunner().exec(node.host, 0, { argv: virsh("version"), timeout: 10 });
      if (r.status === "ok") return;
      if (r.status === "unreachable") throw new Error(`node ${name}: unreachable by SSH: ${oneLine(r.error ?? r.stderr)}`);
      if ((await libvirtdPid(node)) === null) throw new Error(`node ${name}: libvirtd is not running`);
      if (Date.now() > deadline) throw new Error(`node ${name}: libvirtd does not answer: ${oneLine(r.stderr || r.error || r.status)}`);
      await sleep(100);
    }
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]> {
    const runtime = this.requireRuntime();
    const subnet = this.subnet!;
    if (!Number.isInteger(options.perNode) || options.perNode < 0) throw new UsageError(`perNode must be a non-negative integer, got ${options.perNode}`);
    const memoryMiB = options.memoryMiB ?? 256;
    if (memoryMiB < 256) throw new UsageError(`local testbed guests need at least 256 MiB (stress-ng lives in their RAM), got ${memoryMiB}`);
    const vcpus = options.vcpus ?? 1;
    const names = Array.from({ length: options.perNode * nodes.length }, () => `vm-${this.vmCounter++}`);
    const placement = placeVms(names, nodes.map((n) => n.name), options.perNode, options.placement ?? { policy: "round-robin" });
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const addresses = names.map(() => subnet.allocate());
    const plan = names.map((name, i) => ({ name, node: byName.get(placement[i])!, ip: addresses[i].ip, mac: addresses[i].mac, vcpus, memoryMiB }));
    try {
      return await runtime.boot(plan, ctx, options.policy);
    } finally {
      // A guest given up on gives its address back.
      for (const [i, spec] of plan.entries()) if (!runtime.has(spec.name)) subnet.release(addresses[i]);
    }
  }

  /** The guest's uptime in seconds, read over SSH through the node hosting it (null when it does not answer). */
  guestUptime(vm: string, timeout: Seconds = 10): Promise<number | null> {
    return this.requireRuntime().uptime(vm, timeout);
  }

  /** The runtime's figures, the nodes' libvirt and guest console logs archived, and the nodes deploy went on without. */
  async collect(ctx: StepContext): Promise<TestbedMetrics> {
    const runtime = this.requireRuntime();
    const deployed = this.deployed!;
    for (const n of deployed.nodes) {
      const dir = `${this.init.archiveDir}/hosts/${n.host.name}/libvirt`;
      await mkdir(dir, { recursive: true });
      await cp(n.libvirtd.log, `${dir}/libvirtd.log`).catch(() => undefined);
      await cp(n.libvirtd.qemuLogDir, `${dir}/qemu`, { recursive: true }).catch(() => undefined);
    }
    ctx.log(`libvirt and guest console logs of ${deployed.nodes.length} nodes archived`);
    const metrics = await runtime.collect(ctx);
    return {
      ...metrics,
      tables: { ...metrics.tables, excluded_nodes: this.excludedNodes.map((e) => ({ ...e })) },
      counters: { ...metrics.counters, nodesExcluded: this.excludedNodes.length },
    };
  }

  /**
   * Guests, connections, nodes, then the reservation: every stage runs even
   * when an earlier one failed or overran its bound (destroying the nodes
   * kills whatever their guests and daemons still hold), so release always
   * completes; the first failure is thrown at the end.
   */
  async release(): Promise<void> {
    const failures: unknown[] = [];
    const stage = async (what: string, limit: Seconds, work: () => Promise<void>): Promise<void> => {
      await within(work(), limit, `release: ${what}`).catch((error: unknown) => void failures.push(error));
    };
    const runtime = this.runtime;
    this.runtime = null;
    if (runtime) await stage("closing the guests", CLOSE_WITHIN, () => runtime.close());
    const runner = this.runner;
    this.runner = null;
    if (runner) await stage("closing the SSH connections", 10, () => runner.close());
    const deployed = this.deployed;
    this.deployed = null;
    if (deployed) await stage(`destroying the nodes ${deployed.pool.hosts.map((h) => h.name).join(", ")}`, DESTROY_WITHIN, () => destroyNodes(deployed));
    const reservation = this.reservation;
    this.reservation = null;
    if (reservation) await stage(`releasing the reservation ${reservation.prefix}`, 30, () => releaseReservation(reservation.prefix));
    const hold = this.oarHold;
    this.oarHold = null;
    if (hold) await stage(`ending OAR job ${hold.id}`, 150, async () => this.init.log(`OAR job ${hold.id} ${(await hold.end()).toLowerCase()}`));
    if (failures.length > 0) throw failures[0];
  }
}
