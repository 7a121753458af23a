import { cp, mkdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentHosting, MigrationResult, NodeState, Observation, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { PolicyError, underPolicy } from "../../engine/policy.ts";
import type { Host, Node, Vm } from "../../engine/hosts.ts";
import { SshRunner, type CommandSpec, type HostResult, type ProcessRunner } from "../../engine/process/index.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedInit, TestbedMetrics } from "../../engine/testbed.ts";
import { chooseAccel, type AccelChoice } from "./accel.ts";
import { LocalCluster } from "./cluster.ts";
import { buildGuestImage, type GuestImage } from "./guest/build.ts";
import { GaussianLoad, stressArgs } from "./load/injector.ts";
import { liveMigrate, type CheckedMigration } from "./migrate.ts";
import { createNodePool, destroyNodes, libvirtdPid, startNode, type LocalNode, type LocalNodes } from "./node/deploy.ts";
import type { LocalOptions } from "./options.ts";
import { CpuPoller } from "./poller.ts";
import { releaseReservation, reserveNodes, type Reservation } from "./reservations.ts";
import { domainXml } from "./vms/domain-xml.ts";
import { placeVms } from "./vms/placement.ts";
import { SubnetAllocator, type GuestAddress } from "./vms/subnet.ts";
import { virsh } from "./virsh.ts";

interface VmRecord {
  readonly vm: Vm;
  readonly address: GuestAddress;
  node: string;
  migrating: boolean;
  /** False once the guest died (a migration that crashed it): it leaves the observations. */
  alive: boolean;
}

/** Seconds a started node's libvirtd has to answer virsh before the attempt fails. */
const USABLE_WITHIN: Seconds = 60;

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/** The accelerator line is said once per process, however many testbeds it creates. */
let accelSaid = false;

/** One reservation of the local real testbed (DESIGN §5.2). */
export class LocalTestbed implements Testbed {
  readonly kind = "local";
  readonly clock = "wall" as const;
  private readonly t0 = Date.now();
  private image: GuestImage | null = null;
  private accel: AccelChoice | null = null;
  private reservation: Reservation | null = null;
  private deployed: LocalNodes | null = null;
  private runner: SshRunner | null = null;
  private subnet: SubnetAllocator | null = null;
  private readonly nodeCaps = new Map<string, NodeState>();
  private readonly vms = new Map<string, VmRecord>();
  private readonly migrations: CheckedMigration[] = [];
  private readonly bootFailures: Array<{ vm: string; node: string; reason: string }> = [];
  /** Nodes a failure policy let a step go on without. */
  private readonly excludedNodes: Array<{ node: string; step: string; attempts: number; reason: string }> = [];
  private readonly loadChanges: Array<{ time: Seconds; vm: string; load: number }> = [];
  private readonly loadTimers = new Set<NodeJS.Timeout>();
  private stressStart: Seconds | null = null;
  private readonly poller: CpuPoller;
  private clusterRuntime: LocalCluster | null = null;
  private vmCounter = 0;

  constructor(private readonly init: Pick<TestbedInit, "archiveDir">, private readonly opts: LocalOptions) {
    this.poller = new CpuPoller(
      {
        now: () => this.now(),
        nodes: () => [...this.nodeCaps.values()],
        vms: () => [...this.vms.values()].filter((r) => r.alive).map((r) => ({ name: r.vm.name, node: r.node, vcpus: r.vm.vcpus, memoryMiB: r.vm.memoryMiB, migrating: r.migrating })),
        domstats: async (node) => {
          if (!this.nodeCaps.get(node)?.online) return null; // excluded or released: nothing to ask
          const r = await this.exec(this.node(node).host, { argv: virsh("domstats", "--state", "--cpu-total"), timeout: 10 });
          return r.status === "ok" ? r.stdout : null;
        },
      },
      opts.pollInterval,
    );
  }

  now(): Seconds {
    return (Date.now() - this.t0) / 1000;
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      kind: "local",
      nodes: this.deployed?.nodes.length ?? this.reservation?.nodes ?? 0,
      prefix: this.reservation?.prefix ?? null,
      accel: this.accel?.accel ?? null,
      accelReason: this.accel?.reason ?? null,
      guestKernel: this.image?.kernelVersion ?? null,
      nodeCapacity: { cores: this.opts.cores, memoryMiB: this.opts.memoryMiB },
      guestSubnet: this.subnet?.cidr ?? null,
      agentNetwork: "tcp between agent processes in the nodes' namespaces",
      options: this.opts,
    };
  }

  private requireDeployed(): LocalNodes {
    if (!this.deployed) throw new UsageError("local testbed: deploy the nodes first");
    return this.deployed;
  }

  private node(name: string): LocalNode {
    const n = this.requireDeployed().nodes.find((x) => x.host.name === name);
    if (!n) throw new UsageError(`local testbed: unknown node '${name}'`);
    return n;
  }

  /** SSH to the nodes with the pool's key (and to guests, jumping through their node): what `x.exec` runs on. */
  processRunner(): ProcessRunner {
    if (!this.runner) throw new UsageError("local testbed: deploy the nodes first");
    return this.runner;
  }

  private exec(host: Host, command: CommandSpec): Promise<HostResult> {
    if (!this.runner) throw new UsageError("local testbed: deploy the nodes first");
    return this.runner.exec(host, 0, command);
  }

  private guestHost(record: VmRecord, node = record.node): Host {
    return { ...record.vm, jump: this.node(node).host };
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
    const capacity = { cores: request.cores ?? this.opts.cores, memoryMiB: request.memoryMiB ?? this.opts.memoryMiB };
    ctx.journal({ event: "local-reserve", prefix: this.reservation.prefix, nodes: request.nodes, accel: this.accel.accel });
    return Array.from({ length: request.nodes }, (_, i) => {
      const name = `${this.reservation!.prefix}-h${i}`;
      this.nodeCaps.set(name, { name, ...capacity, online: false });
      return { name, address: name, capacity, labels: { testbed: "local" } };
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
    return started.map((n) => {
      const caps = this.nodeCaps.get(n.host.name)!;
      this.nodeCaps.set(n.host.name, { ...caps, online: true });
      return { ...n.host, capacity: { cores: caps.cores, memoryMiB: caps.memoryMiB } };
    });
  }

  /** Deployed means usable: the node answers SSH and its libvirtd answers virsh. A node that cannot get there fails at once. */
  private async waitUsable(node: LocalNode): Promise<void> {
    const name = node.host.name;
    const deadline = Date.now() + USABLE_WITHIN * 1000;
    for (;;) {
      const r = await this.exec(node.host, { argv: virsh("version"), timeout: 10 });
      if (r.status === "ok") return;
      if (r.status === "unreachable") throw new Error(`node ${name}: unreachable by SSH: ${oneLine(r.error ?? r.stderr)}`);
      if ((await libvirtdPid(node)) === null) throw new Error(`node ${name}: libvirtd is not running`);
      if (Date.now() > deadline) throw new Error(`node ${name}: libvirtd does not answer: ${oneLine(r.stderr || r.error || r.status)}`);
      await sleep(100);
    }
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]> {
    const image = this.image!;
    const deployed = this.requireDeployed();
    if (!Number.isInteger(options.perNode) || options.perNode < 0) throw new UsageError(`perNode must be a non-negative integer, got ${options.perNode}`);
    const memoryMiB = options.memoryMiB ?? 256;
    if (memoryMiB < 256) throw new UsageError(`local testbed guests need at least 256 MiB (stress-ng lives in their RAM), got ${memoryMiB}`);
    const vcpus = options.vcpus ?? 1;
    const names = Array.from({ length: options.perNode * nodes.length }, () => `vm-${this.vmCounter++}`);
    const placement = placeVms(names, nodes.map((n) => n.name), options.perNode, options.placement ?? { policy: "round-robin" });
    const policy = { retries: this.opts.bootRetries, ...options.policy };
    const guests = names.map((name, i) => this.newGuest(name, placement[i], vcpus, memoryMiB));
    const lastError = new Map<string, string>();
    let done = 0;
    let failed = 0;
    const failure = await underPolicy(
      guests,
      policy,
      {
        name: (g) => g.vm.name,
        signal: ctx.signal,
        onEvent: (e) => {
          const g = guests.find((x) => x.vm.name === e.host);
          // The journal's boot events name the VM and its node; the policy's own events say retries and failures.
          if (e.event === "retry") ctx.journal({ event: "vm-boot-retry", vm: e.host, node: g?.node, attempt: e.attempt - 1, reason: e.error });
          else ctx.journal({ ...e });
        },
      },
      async (record, attempt) => {
        try {
          await this.bootOne(record, image, ctx.signal);
        } catch (error) {
          lastError.set(record.vm.name, oneLine(error instanceof Error ? error.message : String(error)));
          if (attempt >= (policy.retries ?? 0)) {
            failed++;
            ctx.progress({ done: done + failed, total: guests.length, failed });
          }
          throw error;
        }
        this.vms.set(record.vm.name, record);
        ctx.journal({ event: "vm-booted", vm: record.vm.name, node: record.node, ip: record.address.ip, mac: record.address.mac, attempt });
        done++;
        ctx.progress({ done: done + failed, total: guests.length, failed });
        return record;
      },
    ).then(() => null, (error: unknown) => error ?? new Error("boot aborted"));
    const lost = guests.filter((g) => !this.vms.has(g.vm.name));
    for (const g of lost) this.bootFailed(g, lastError.get(g.vm.name) ?? "not booted", ctx);
    if (failure instanceof PolicyError) throw new PolicyError(`bootVms: ${oneLine(failure.message).replace(/^(\d+ of \d+) hosts/, "$1 VMs")}`, failure.failed);
    if (failure !== null) throw failure;
    if (lost.length > 0) ctx.journal({ event: "vms-excluded", step: "bootVms", vms: lost.map((g) => g.vm.name), nodes: lost.map((g) => g.node) });
    ctx.log(`booted ${guests.length - lost.length}/${guests.length} guests on ${deployed.nodes.length} nodes${lost.length ? `, excluded: ${lost.map((g) => g.vm.name).join(", ")}` : ""}`);
    return guests.filter((g) => this.vms.has(g.vm.name)).map((g) => g.vm);
  }

  private newGuest(name: string, node: string, vcpus: number, memoryMiB: number): VmRecord {
    const address = this.subnet!.allocate();
    const vm: Vm = { name, address: address.ip, user: "root", port: 22, keyFile: this.image!.keyFile, vcpus, memoryMiB, node, mac: address.mac, labels: { testbed: "local" } };
    return { vm, address, node, migrating: false, alive: true };
  }

  /** A guest given up on: its address goes back to the pool; collect() lists it. */
  private bootFailed(record: VmRecord, reason: string, ctx: StepContext): void {
    this.subnet!.release(record.address);
    this.bootFailures.push({ vm: record.vm.name, node: record.node, reason });
    ctx.journal({ event: "vm-boot-failed", vm: record.vm.name, node: record.node, reason });
  }

  /** One boot attempt: create the guest and wait for its SSH; a guest that does not come up is destroyed. */
  private async bootOne(record: VmRecord, image: GuestImage, signal: AbortSignal): Promise<void> {
    const { name, vcpus, memoryMiB } = record.vm;
    const node = this.node(record.node);
    const xml = domainXml({
      name, vcpus, memoryMiB, mac: record.address.mac, address: `${record.address.ip}/${record.address.prefix}`,
      kernel: image.kernel, initrd: image.initrd, accel: this.accel!.accel,
      consoleLog: `/var/log/libvirt/qemu/${name}-console.log`,
    });
    const created = await this.exec(node.host, { argv: virsh("create", "/dev/stdin"), stdin: xml, timeout: 60 });
    if (created.status !== "ok") throw new Error(`${name} on ${record.node}: ${oneLine((created.stderr.trim() || created.error || created.status).split("\n")[0])}`);
    if ((await this.waitGuest(record, node.host, this.opts.bootTimeout, signal)) !== null) return;
    await this.exec(node.host, { argv: virsh("destroy", name), timeout: 30 });
    throw new Error(`${name} on ${record.node}: no SSH answer within ${this.opts.bootTimeout} s`);
  }

  /** The guest's uptime once it answers SSH through `via`, or null after `timeout` seconds. */
  private async waitGuest(record: VmRecord, via: Host, timeout: Seconds, signal?: AbortSignal): Promise<number | null> {
    const deadline = Date.now() + timeout * 1000;
    const host: Host = { ...record.vm, jump: via };
    while (Date.now() < deadline && !signal?.aborted) {
      const r = await this.exec(host, { argv: ["cat", "/proc/uptime"], timeout: Math.min(10, timeout) });
      if (r.status === "ok") return Number.parseFloat(r.stdout);
      await sleep(500);
    }
    return null;
  }

  /** The guest's uptime in seconds, read over SSH through the node hosting it (null when it does not answer). */
  async guestUptime(vm: string, timeout: Seconds = 10): Promise<number | null> {
    const record = this.vms.get(vm);
    if (!record) throw new UsageError(`local testbed: unknown VM '${vm}'`);
    return this.waitGuest(record, this.node(record.node).host, timeout);
  }

  async stress(vms: readonly Vm[], profile: StressProfile, ctx: StepContext): Promise<void> {
    const records = vms.map((v) => {
      const r = this.vms.get(v.name);
      if (!r) throw new UsageError(`local testbed: unknown VM '${v.name}'`);
      return r;
    });
    this.stressStart ??= this.now();
    if (profile.kind === "constant") {
      if (profile.load < 0 || profile.load > 1) throw new UsageError(`constant load must be in 0..1, got ${profile.load}`);
      await Promise.all(records.map((r) => this.setLoad(r, profile.load, profile.dirtyIntensity ?? 0, ctx)));
      return;
    }
    const gen = new GaussianLoad(ctx.seed, profile.mean, profile.std);
    await Promise.all(records.map((r) => this.setLoad(r, gen.load(), 0, ctx)));
    const period = profile.loadPeriod ?? 300;
    const scheduleNext = (): void => {
      const next = gen.next(records.length, period);
      const t = setTimeout(() => {
        this.loadTimers.delete(t);
        void this.setLoad(records[next.vm], next.load, 0, ctx);
        scheduleNext();
      }, next.delay * 1000);
      this.loadTimers.add(t);
    };
    if (records.length > 0) scheduleNext();
  }

  private async setLoad(record: VmRecord, load: number, dirty: number, ctx: StepContext): Promise<void> {
    if (!record.alive) return;
    const args = stressArgs(record.vm.vcpus, load, record.vm.memoryMiB, dirty);
    const argv = args.length > 0 ? ["/bin/g5k-load", "start", ...args] : ["/bin/g5k-load", "stop"];
    const r = await this.exec(this.guestHost(record), { argv, timeout: 30 });
    this.loadChanges.push({ time: this.now(), vm: record.vm.name, load });
    if (r.status !== "ok") ctx.journal({ event: "stress-failed", vm: record.vm.name, reason: r.stderr.trim() || r.error || r.status });
  }

  cluster(): LocalCluster {
    if (!this.clusterRuntime) {
      this.clusterRuntime = new LocalCluster({
        now: () => this.now(),
        poller: this.poller,
        migrate: (vm, to) => this.migrateVm(vm, to),
        online: (n) => this.nodeCaps.get(n)?.online ?? false,
        agentHosting: () => this.agentHosting(),
      });
      this.poller.refresh(); // schedulers observe at once, before the first poll ends
      this.poller.start();
    }
    return this.clusterRuntime;
  }

  /** Agents run inside the node's namespace, bound to its address; this process reaches them from the pool's bridge. */
  private agentHosting(): AgentHosting | undefined {
    const deployed = this.deployed;
    if (!deployed) return undefined;
    return {
      controllerAddress: deployed.pool.subnet.replace(/\.0\/24$/, ".1"), // the pool's bridge holds .1
      agent: (name) => {
        const { host } = this.node(name);
        return { listen: host.address, wrap: ["ip", "netns", "exec", host.labels?.netns ?? host.name] };
      },
    };
  }

  async advance(duration: Seconds, ctx: StepContext): Promise<void> {
    await sleep(duration * 1000, undefined, { signal: ctx.signal }).catch(() => undefined);
  }

  async migrate(vm: string, to: string, ctx: StepContext): Promise<MigrationResult> {
    const result = await this.migrateVm(vm, to);
    ctx.journal({ event: "migration", ...result });
    return result;
  }

  /** Never rejects: unknown names and busy VMs come back as "rejected". */
  private async migrateVm(vm: string, to: string): Promise<MigrationResult> {
    const record = this.vms.get(vm);
    const t = this.now();
    const reject = (reason: string): MigrationResult => ({ vm, from: record?.node ?? "", to, start: t, end: t, downtime: 0, rounds: 0, outcome: "rejected", reason });
    if (!record || !record.alive) return reject(`unknown or dead VM '${vm}'`);
    if (!this.nodeCaps.get(to)?.online) return reject(`unknown node '${to}'`);
    if (record.migrating) return reject("already migrating");
    if (record.node === to) return reject("already on that node");
    record.migrating = true;
    const from = this.node(record.node).host;
    try {
      return await this.runMigration(record, from, to);
    } catch (error) {
      // The testbed was released under an in-flight migration (a scheduler stopping): a result, not a crash.
      return { ...reject(String(error instanceof Error ? error.message : error)), end: this.now(), outcome: "failed" };
    } finally {
      record.migrating = false;
    }
  }

  private async runMigration(record: VmRecord, from: Host, to: string): Promise<MigrationResult> {
    const env = {
      now: () => this.now(),
      exec: (host: Host, command: CommandSpec) => this.exec(host, command),
      guestUptime: (_vm: string, node: Host, timeout: Seconds) => this.waitGuest(record, node, timeout),
      migrateTimeout: this.opts.migrateTimeout,
    };
    const checked = await liveMigrate(env, record.vm.name, from, this.node(to).host);
    const result = checked.result;
    if (result.outcome === "ok") record.node = to;
    else if (result.outcome === "failed") record.alive = await this.stillRunsOn(record);
    this.migrations.push(checked);
    return result;
  }

  /** After a failed migration: where is the guest, if anywhere? (libvirt rolls back to the source on most errors.) */
  private async stillRunsOn(record: VmRecord): Promise<boolean> {
    for (const node of this.deployed?.nodes ?? []) {
      const r = await this.exec(node.host, { argv: virsh("domstate", record.vm.name), timeout: 10 });
      if (r.status === "ok" && r.stdout.trim() === "running") {
        record.node = node.host.name;
        return true;
      }
    }
    return false;
  }

  async observe(): Promise<Observation> {
    if (this.poller.samples < 2) {
      await this.poller.poll();
      await sleep(this.opts.pollInterval * 1000);
    }
    await this.poller.poll();
    return this.poller.latest;
  }

  async collect(ctx: StepContext): Promise<TestbedMetrics> {
    const deployed = this.deployed;
    if (deployed) {
      for (const n of deployed.nodes) {
        const dir = `${this.init.archiveDir}/hosts/${n.host.name}/libvirt`;
        await mkdir(dir, { recursive: true });
        await cp(n.libvirtd.log, `${dir}/libvirtd.log`).catch(() => undefined);
        await cp(n.libvirtd.qemuLogDir, `${dir}/qemu`, { recursive: true }).catch(() => undefined);
      }
      ctx.log(`libvirt and guest console logs of ${deployed.nodes.length} nodes archived`);
    }
    const start = this.stressStart ?? 0;
    return {
      clock: "wall",
      start,
      duration: this.now() - start,
      violations: this.poller.allViolations(),
      migrations: this.migrations.map((m) => m.result),
      tables: {
        migrations: this.migrations.map(({ result: m, uptimeBefore, uptimeAfter }) => ({
          vm: m.vm, from: m.from, to: m.to, start: m.start, end: m.end, duration: m.end - m.start, downtime: m.downtime,
          rounds: m.rounds, outcome: m.outcome, reason: m.reason ?? null, uptimeBefore, uptimeAfter,
        })),
        load_changes: this.loadChanges.map((l) => ({ ...l })),
        boot_failures: this.bootFailures.map((b) => ({ ...b })),
        excluded_nodes: this.excludedNodes.map((e) => ({ ...e })),
      },
      counters: {
        vms: this.vms.size,
        vmsAlive: [...this.vms.values()].filter((r) => r.alive).length,
        bootFailures: this.bootFailures.length,
        nodesExcluded: this.excludedNodes.length,
        migrationsOk: this.migrations.filter((m) => m.result.outcome === "ok").length,
        migrationsFailed: this.migrations.filter((m) => m.result.outcome !== "ok").length,
        cpuPolls: this.poller.samples,
      },
    };
  }

  async release(): Promise<void> {
    for (const t of this.loadTimers) clearTimeout(t);
    this.loadTimers.clear();
    this.clusterRuntime?.stop();
    await this.poller.stop();
    const runner = this.runner;
    this.runner = null;
    await runner?.close();
    const deployed = this.deployed;
    this.deployed = null;
    if (deployed) await destroyNodes(deployed);
    for (const caps of this.nodeCaps.values()) this.nodeCaps.set(caps.name, { ...caps, online: false });
    const reservation = this.reservation;
    this.reservation = null;
    if (reservation) await releaseReservation(reservation.prefix);
  }
}
