import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentHosting, MigrationResult, NodeState, Observation, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { PolicyError, underPolicy, type FailurePolicy } from "../../engine/policy.ts";
import type { Host, Node, Vm } from "../../engine/hosts.ts";
import { remote, type CommandSpec, type HostResult, type SshRunner } from "../../engine/process/index.ts";
import type { StepContext, StressProfile, TestbedMetrics } from "../../engine/testbed.ts";
import { chooseAccel, type Accel } from "./accel.ts";
import { LocalCluster } from "./cluster.ts";
import { buildGuestImage, type GuestImage } from "./guest/build.ts";
import { stageGuestImage, type StagedImage } from "./guest/stage.ts";
import { GaussianLoad, stressArgs } from "./load/injector.ts";
import { liveMigrate, type CheckedMigration } from "./migrate.ts";
import { CpuPoller } from "./poller.ts";
import type { LibvirtRuntimeOptions } from "./vm-runtime-options.ts";
import { CREATE_OVERLAY, ENSURE_POOL, OVERLAY_DIR, OVERLAY_POOL, overlayName, overlayPath, overlayVolumeXml, type BaseDisk } from "./vms/disk.ts";
import { domainXml } from "./vms/domain-xml.ts";
import { failureLine, failureReason, LOCAL_URI, migrateArgv, virsh } from "./virsh.ts";

/** Seconds `virsh create` and `virsh destroy` may take: generous, as TCG guests on a starved machine are slow. */
const CREATE_LIMIT: Seconds = 60;
const DESTROY_LIMIT: Seconds = 30;
const POOL_LIMIT: Seconds = 60;
const ENSURE_POOL_COMMAND = { argv: ["sh", "-c", ENSURE_POOL, "ensure-pool", LOCAL_URI, OVERLAY_POOL, OVERLAY_DIR], timeout: POOL_LIMIT };

/** One guest to start: its name, node, and the address its MAC stands for. */
export interface VmBootSpec {
  readonly name: string;
  readonly node: Node;
  readonly ip: string;
  readonly mac: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
}

export interface LibvirtRuntimeInit {
  /** The deployed nodes: reachable by SSH (jump hosts included), libvirtd answering `virsh` (see virsh.ts). */
  readonly nodes: readonly Node[];
  /** Owned by the testbed: the runtime never closes it. */
  readonly runner: SshRunner;
  readonly options: LibvirtRuntimeOptions;
  /** Prefix length of the guests' subnet (g5k-subnets hand out /22 blocks). */
  readonly prefixLength: number;
  readonly log: (message: string) => void;
  /**
   * The guest image already where the nodes see it, and its accelerator:
   * nodes sharing this machine's file system (the local testbed's
   * namespaces) need no copy. By default the cached image is copied to
   * `imageDir` on the nodes and the accelerator taken from the options.
   */
  readonly guest?: PreparedGuest;
}

/** Where scheduler agents keep their files on the nodes (one directory per node, as namespaced nodes share a file system). */
const AGENT_DIR = "/tmp/g5k-flow-agents/{{host}}";

interface VmRecord {
  readonly vm: Vm;
  node: string;
  migrating: boolean;
  /** While migrating: where to, so a close under the move destroys the guest at both ends. */
  destination: string | null;
  /** False once the guest died (a migration that crashed it): it leaves the observations. */
  alive: boolean;
}

export interface PreparedGuest {
  readonly image: GuestImage;
  /** The kernel, initramfs and base disk as the nodes see them. */
  readonly staged: StagedImage;
  readonly accel: Accel;
}

/** The base disk of a prepared guest, as overlays and migrations name it. */
const baseDisk = (p: PreparedGuest): BaseDisk => ({ path: p.staged.disk, bytes: p.image.diskBytes });

/**
 * Libvirt/qemu guests on nodes reached over SSH, as on Grid'5000: the
 * guest image (kernel, initramfs, base disk) is sent once to each node, each
 * guest gets a qcow2 overlay of the base disk (vms/disk.ts) and is created with
 * `virsh create`, loaded with stress-ng over SSH through their node, observed
 * by polling libvirt's CPU counters and moved with `virsh migrate --live`.
 * What the g5k and ssh testbeds do once their nodes are up.
 */
export class LibvirtVmRuntime {
  private readonly t0 = Date.now();
  private readonly nodes: ReadonlyMap<string, Node>;
  private readonly online = new Set<string>();
  private readonly vms = new Map<string, VmRecord>();
  /** Every migration, run by this process ("testbed": a migrate step, a scheduler in this process) or by an agent on a node. */
  private readonly migrations: Array<CheckedMigration & { readonly by: "testbed" | "agent" }> = [];
  private readonly bootFailures: Array<{ vm: string; node: string; reason: string }> = [];
  private readonly loadChanges: Array<{ time: Seconds; vm: string; load: number }> = [];
  private readonly loadTimers = new Set<NodeJS.Timeout>();
  private readonly poller: CpuPoller;
  private prepared: Promise<PreparedGuest> | null = null;
  private preparedGuest: PreparedGuest | null = null;
  /** Nodes whose overlays' pool runs. */
  private readonly poolReady = new Set<string>();
  private clusterRuntime: LocalCluster | null = null;
  private stressStart: Seconds | null = null;
  /** Wall seconds the guest image took to reach the nodes; boot retries so far. */
  private stagingSeconds: Seconds = 0;
  private bootRetries = 0;
  /** Aborted by close(): in-flight operations (polls, boot waits, migrations, uptime reads) stop at once. */
  private readonly closing = new AbortController();

  constructor(private readonly init: LibvirtRuntimeInit) {
    // Every remote operation in flight listens on this one signal (a poll of each node, each guest's load change,
    // migrations, uptime reads) and stops listening when it ends (test/process/ssh-workers.test.ts): seven nodes
    // polled while four guests get their load is eleven at once, a fan-out the default cap of 10 takes for a leak.
    setMaxListeners(0, this.closing.signal);
    this.nodes = new Map(init.nodes.map((n) => [n.name, n]));
    for (const n of init.nodes) this.online.add(n.name);
    this.poller = new CpuPoller(
      {
        now: () => this.now(),
        nodes: () => init.nodes.map((n): NodeState => ({ name: n.name, cores: n.capacity.cores, memoryMiB: n.capacity.memoryMiB, online: this.online.has(n.name) })),
        vms: () => [...this.vms.values()].filter((r) => r.alive).map((r) => ({ name: r.vm.name, node: r.node, vcpus: r.vm.vcpus, memoryMiB: r.vm.memoryMiB, migrating: r.migrating })),
        domstats: async (node) => {
          const r = await this.exec(this.node(node), { argv: virsh("domstats", "--state", "--cpu-total"), timeout: 10 });
          return r.status === "ok" ? r.stdout : null;
        },
      },
      init.options.pollInterval,
    );
  }

  now(): Seconds {
    return (Date.now() - this.t0) / 1000;
  }

  private node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new UsageError(`unknown node '${name}'`);
    return n;
  }

  private record(vm: string): VmRecord {
    const r = this.vms.get(vm);
    if (!r) throw new UsageError(`unknown VM '${vm}'`);
    return r;
  }

  /** Every remote operation of the runtime: bounded by the command's time limit, stopped by close(). */
  private exec(host: Host, command: CommandSpec, signal: AbortSignal = this.closing.signal): Promise<HostResult> {
    return this.init.runner.exec(host, 0, command, signal);
  }

  /**
   * The image built (or cached), copied to the nodes, the accelerator chosen,
   * the overlays' pool started on every node at once: once per runtime. A
   * node whose pool did not start is not fatal here: its guests try again
   * (ensurePool), so they fail, retry and are excluded under the policy.
   */
  private prepare(): Promise<PreparedGuest> {
    this.prepared ??= (async () => {
      const guest = this.init.guest ?? (await this.stage());
      const pools = await remote(ENSURE_POOL_COMMAND, this.init.nodes, this.init.runner).run(this.closing.signal);
      for (const r of pools.results) if (r.status === "ok") this.poolReady.add(r.host);
      this.preparedGuest = guest;
      return guest;
    })();
    return this.prepared;
  }

  /** The overlays' pool on `node`, started again if the first attempt (prepare) failed there. */
  private async ensurePool(node: Node, signal: AbortSignal): Promise<void> {
    if (this.poolReady.has(node.name)) return;
    const r = await this.exec(node, ENSURE_POOL_COMMAND, signal);
    if (r.status !== "ok") throw new Error(`the VMs' disk pool on ${node.name}: ${failureLine("virsh pool-start", r, POOL_LIMIT)}`);
    this.poolReady.add(node.name);
  }

  private async stage(): Promise<PreparedGuest> {
    const { options, log, runner } = this.init;
    const image = await buildGuestImage(log);
    const accel = options.accel === "probe" ? await chooseAccel(image) : { accel: options.accel, reason: "accel option" };
    log(`VMs use ${accel.accel === "kvm" ? "KVM" : "TCG (software emulation)"}: ${accel.reason}`);
    const t0 = Date.now();
    const staged = await stageGuestImage(runner, this.init.nodes, image, options.imageDir, log, options.imageTransfer);
    this.stagingSeconds = (Date.now() - t0) / 1000;
    return { image, staged, accel: accel.accel };
  }

  /**
   * Starts the planned guests in parallel under `policy` (docs/architecture.md, failure policies): a guest
   * that does not come up is destroyed and tried again (`bootRetries` times
   * unless the policy says otherwise), then excluded; below the policy's
   * required count (default: all) the step fails naming the guests that did
   * not boot. Failed guests are named in the journal either way.
   */
  async boot(plan: readonly VmBootSpec[], ctx: StepContext, policy: FailurePolicy = {}): Promise<readonly Vm[]> {
    const taken = plan.find((spec) => this.vms.has(spec.name));
    if (taken) throw new UsageError(`a VM named '${taken.name}' already runs`);
    const signal = AbortSignal.any([ctx.signal, this.closing.signal]);
    const prepared = await this.prepare();
    const rules: FailurePolicy = { retries: this.init.options.bootRetries, ...policy };
    const specs = new Map(plan.map((spec) => [spec.name, spec]));
    const reasons = new Map<string, string>();
    let done = 0;
    let failed = 0;
    const outcome = await underPolicy(
      plan,
      rules,
      {
        name: (spec) => spec.name,
        signal,
        onEvent: (e) => {
          if (e.event === "retry") this.bootRetries += 1;
          if (e.event === "retry") ctx.journal({ event: "vm-boot-retry", vm: e.host, node: specs.get(e.host)?.node.name, attempt: e.attempt - 1, reason: e.error });
        },
      },
      async (spec, attempt) => {
        try {
          const record = await this.bootOnce(spec, prepared, attempt, ctx, signal);
          ctx.progress({ done: ++done + failed, total: plan.length, failed });
          return record;
        } catch (error) {
          reasons.set(spec.name, error instanceof Error ? error.message : String(error));
          if (attempt >= (rules.retries ?? 0)) ctx.progress({ done: done + ++failed, total: plan.length, failed });
          throw error;
        }
      },
    ).catch((error: unknown) => error);
    if (outcome instanceof Error && signal.aborted) throw outcome;
    const lost = plan.filter((spec) => !this.vms.has(spec.name));
    for (const spec of lost) {
      const reason = reasons.get(spec.name) ?? "not booted";
      this.bootFailures.push({ vm: spec.name, node: spec.node.name, reason });
      ctx.journal({ event: "vm-boot-failed", vm: spec.name, node: spec.node.name, reason });
    }
    if (outcome instanceof PolicyError) throw new PolicyError(`bootVms: ${outcome.message.replace(/^(\d+ of \d+) hosts/, "$1 VMs")}`, outcome.failed);
    if (outcome instanceof Error) throw outcome;
    if (lost.length) ctx.journal({ event: "vms-excluded", step: "bootVms", vms: lost.map((s) => s.name), nodes: lost.map((s) => s.node.name) });
    const nodes = new Set(plan.map((p) => p.node.name)).size;
    ctx.log(`booted ${plan.length - lost.length}/${plan.length} guests on ${nodes} nodes${lost.length ? `, excluded: ${lost.map((s) => s.name).join(", ")}` : ""}`);
    return plan.filter((spec) => this.vms.has(spec.name)).map((spec) => this.vms.get(spec.name)!.vm);
  }

  /** Creates one guest and waits for its SSH; one that does not come up is destroyed, and the attempt throws why. */
  private async bootOnce(spec: VmBootSpec, prepared: PreparedGuest, attempt: number, ctx: StepContext, signal: AbortSignal): Promise<VmRecord> {
    const { name, node, ip, mac, vcpus, memoryMiB } = spec;
    const vm: Vm = { name, address: ip, user: "root", port: 22, keyFile: prepared.image.keyFile, vcpus, memoryMiB, node: node.name, mac, labels: { ...node.labels, role: "vm" } };
    const record: VmRecord = { vm, node: node.name, migrating: false, destination: null, alive: true };
    const xml = domainXml({
      name, vcpus, memoryMiB, mac, address: `${ip}/${this.init.prefixLength}`,
      kernel: prepared.staged.kernel, initrd: prepared.staged.initrd, disk: overlayPath(name), accel: prepared.accel,
      consoleLog: `/var/log/libvirt/qemu/${name}-console.log`,
    });
    const { bootTimeout } = this.init.options;
    await this.ensurePool(node, signal);
    const overlay = await this.exec(node, { argv: ["sh", "-c", CREATE_OVERLAY, "create-overlay", LOCAL_URI, OVERLAY_POOL, overlayName(name)], stdin: overlayVolumeXml(name, baseDisk(prepared)), timeout: CREATE_LIMIT }, signal);
    if (overlay.status !== "ok") throw new Error(`${name} on ${node.name}: its disk overlay: ${failureReason(overlay, CREATE_LIMIT)}`);
    const created = await this.exec(node, { argv: virsh("create", "/dev/stdin"), stdin: xml, timeout: CREATE_LIMIT }, signal);
    if (created.status === "ok") {
      if ((await this.guestUptime(record, node, bootTimeout, signal)) !== null) {
        this.vms.set(name, record);
        ctx.journal({ event: "vm-booted", vm: name, node: node.name, ip, mac, attempt });
        return record;
      }
    }
    const why = created.status === "ok" ? `no SSH answer within ${bootTimeout} s` : `virsh create: ${failureReason(created, CREATE_LIMIT)}`;
    // Only a guest this attempt may have created: when libvirt refused (a domain of that name exists), it is not ours.
    // Not stopped by close(): the guest must go even then.
    if (created.status !== "failed") await this.destroy(name, node.name);
    throw new Error(`${name} on ${node.name}: ${why}`);
  }

  /** The guest's uptime once it answers SSH through `via` (its node), or null after `timeout` seconds (or once stopped). */
  private async guestUptime(record: VmRecord, via: Host, timeout: Seconds, signal: AbortSignal = this.closing.signal): Promise<number | null> {
    const deadline = Date.now() + timeout * 1000;
    const host: Host = { ...record.vm, jump: via };
    while (Date.now() < deadline && !signal.aborted) {
      const r = await this.exec(host, { argv: ["cat", "/proc/uptime"], timeout: Math.min(10, timeout) }, signal);
      if (r.status === "ok") return Number.parseFloat(r.stdout);
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
    return null;
  }

  /** Whether this runtime started a guest of that name (dead or alive). */
  has(vm: string): boolean {
    return this.vms.has(vm);
  }

  /** A guest's uptime read over SSH through its node (null when it does not answer). */
  uptime(vm: string, timeout: Seconds = 10): Promise<number | null> {
    const record = this.record(vm);
    return this.guestUptime(record, this.node(record.node), timeout);
  }

  async stress(vms: readonly Vm[], profile: StressProfile, ctx: StepContext): Promise<void> {
    const records = vms.map((v) => this.record(v.name));
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
        void this.setLoad(records[next.vm]!, next.load, 0, ctx);
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
    const r = await this.exec({ ...record.vm, jump: this.node(record.node) }, { argv, timeout: 30 });
    this.loadChanges.push({ time: this.now(), vm: record.vm.name, load });
    if (r.status !== "ok") ctx.journal({ event: "stress-failed", vm: record.vm.name, reason: r.stderr.trim() || r.error || r.status });
  }

  cluster(): LocalCluster {
    if (!this.clusterRuntime) {
      this.clusterRuntime = new LocalCluster({
        now: () => this.now(),
        poller: this.poller,
        migrate: (vm, to) => this.migrateVm(vm, to),
        online: (n) => this.online.has(n),
        agentHosting: () => this.agentHosting(),
      });
      this.poller.refresh(); // schedulers observe the nodes and guests at once, before the first poll ends
      this.poller.start();
    }
    return this.clusterRuntime;
  }

  /** Wall-clock time passing; Ctrl-C ends it with the abort, so the step is journaled interrupted. */
  async advance(duration: Seconds, ctx: StepContext): Promise<void> {
    await sleep(duration * 1000, undefined, { signal: ctx.signal });
  }

  /** Scheduler agents on the nodes themselves (DVMS): they observe through their node's libvirtd and migrate with virsh; this runtime follows. */
  private agentHosting(): AgentHosting {
    return {
      nodes: [...this.nodes.values()].filter((n) => this.online.has(n.name)),
      runner: this.init.runner,
      workDir: AGENT_DIR,
      commands: { domstats: virsh("domstats", "--state", "--cpu-total"), migrate: migrateArgv("{{vm}}", "{{destination}}", this.base(), "{{source}}") },
      pollInterval: this.init.options.pollInterval,
      migrateTimeout: this.init.options.migrateTimeout,
      migrationStarted: (vm, to) => {
        const record = this.vms.get(vm);
        if (!record) return;
        record.migrating = true;
        record.destination = to;
        this.poller.refresh();
      },
      migrationEnded: (result) => {
        const record = this.vms.get(result.vm);
        if (!record) return;
        if (result.outcome === "ok") record.node = result.to;
        record.migrating = false;
        record.destination = null;
        this.migrations.push({ result, uptimeBefore: null, uptimeAfter: null, by: "agent" });
        this.poller.refresh();
      },
    };
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
    if (!this.online.has(to)) return reject(`unknown node '${to}'`);
    if (record.migrating) return reject("already migrating");
    if (record.node === to) return reject("already on that node");
    record.migrating = true;
    record.destination = to;
    // Schedulers observe placement at once, not at the next poll: a stale one would plan this guest's move again.
    this.poller.refresh();
    try {
      const env = {
        now: () => this.now(),
        exec: (host: Host, command: CommandSpec) => this.exec(host, command),
        guestUptime: (_vm: string, node: Host, timeout: Seconds) => this.guestUptime(record, node, timeout),
        migrateTimeout: this.init.options.migrateTimeout,
        base: this.base(),
      };
      const checked = await liveMigrate(env, vm, this.node(record.node), this.node(to));
      if (checked.result.outcome === "ok") record.node = to;
      else if (checked.result.outcome === "failed") record.alive = await this.stillRuns(record);
      this.migrations.push({ ...checked, by: "testbed" });
      return checked.result;
    } catch (error) {
      // Closed under an in-flight migration (a scheduler stopping): a result, not a crash.
      return { ...reject(error instanceof Error ? error.message : String(error)), end: this.now(), outcome: "failed" };
    } finally {
      record.migrating = false;
      record.destination = null;
      this.poller.refresh();
    }
  }

  /** After a failed migration: where is the guest, if anywhere? (libvirt rolls back to the source on most errors.) */
  private async stillRuns(record: VmRecord): Promise<boolean> {
    for (const node of this.nodes.values()) {
      const r = await this.exec(node, { argv: virsh("domstate", record.vm.name), timeout: 10 });
      if (r.status === "ok" && r.stdout.trim() === "running") {
        record.node = node.name;
        return true;
      }
    }
    return false;
  }

  async observe(): Promise<Observation> {
    if (this.poller.samples < 2) {
      await this.poller.poll();
      await sleep(this.init.options.pollInterval * 1000);
    }
    await this.poller.poll();
    return this.poller.latest;
  }

  async collect(_ctx: StepContext): Promise<TestbedMetrics> {
    const start = this.stressStart ?? 0;
    return {
      clock: "wall",
      start,
      duration: this.now() - start,
      violations: this.poller.allViolations(),
      migrations: this.migrations.map((m) => m.result),
      tables: {
        migrations: this.migrations.map(({ result: m, uptimeBefore, uptimeAfter, by }) => ({
          vm: m.vm, from: m.from, to: m.to, start: m.start, end: m.end, duration: m.end - m.start, downtime: m.downtime,
          rounds: m.rounds, outcome: m.outcome, reason: m.reason ?? null, uptimeBefore, uptimeAfter, by,
        })),
        load_changes: this.loadChanges.map((l) => ({ ...l })),
        boot_failures: this.bootFailures.map((b) => ({ ...b })),
      },
      counters: {
        vms: this.vms.size,
        vmsAlive: [...this.vms.values()].filter((r) => r.alive).length,
        bootFailures: this.bootFailures.length,
        bootRetries: this.bootRetries,
        imageStagingSeconds: this.stagingSeconds,
        migrationsOk: this.migrations.filter((m) => m.result.outcome === "ok").length,
        migrationsFailed: this.migrations.filter((m) => m.result.outcome !== "ok").length,
        // DVMS agents on the nodes migrate themselves: then this process ran none.
        migrationsByTestbed: this.migrations.filter((m) => m.by === "testbed").length,
        migrationsByAgents: this.migrations.filter((m) => m.by === "agent").length,
        cpuPolls: this.poller.samples,
      },
    };
  }

  /**
   * Stops in-flight operations, load changes, polls and scheduler timers,
   * then destroys every guest it started; bounded even when nodes or guests
   * do not answer (a guest that could not be destroyed is logged). Idempotent.
   */
  async close(): Promise<void> {
    // Where each guest is, before the stopped migrations settle.
    const started = [...this.vms.values()].map(({ vm, node, destination, alive }) => ({ name: vm.name, node, destination, alive }));
    this.vms.clear();
    this.closing.abort();
    for (const t of this.loadTimers) clearTimeout(t);
    this.loadTimers.clear();
    this.clusterRuntime?.stop();
    await this.poller.stop();
    await Promise.all(started.map(async ({ name, node, destination, alive }) => {
      // Under a migration the guest runs at either end: the source first, so an unfinished move cannot resume it there.
      const destroyed = await this.destroy(name, node);
      const moved = destination === null ? null : await this.destroy(name, destination);
      const failures = [destroyed, moved].filter((x): x is HostResult => x !== null && x.status !== "ok");
      if (alive && failures.length === (destination === null ? 1 : 2)) {
        for (const f of failures) this.init.log(`release: ${failureLine(`virsh destroy ${name}`, f, DESTROY_LIMIT)}`);
      }
    }));
    this.online.clear();
  }

  /** The base disk the guests' overlays are made on: known once a guest booted. */
  private base(): BaseDisk {
    if (!this.preparedGuest) throw new Error("no guest booted yet: the base disk is not staged");
    return baseDisk(this.preparedGuest);
  }

  /** Destroys a guest on a node, then its overlay; not stopped by close(), bounded by its time limit. */
  private async destroy(vm: string, node: string): Promise<HostResult> {
    const destroyed = await this.init.runner.exec(this.node(node), 0, { argv: virsh("destroy", vm), timeout: DESTROY_LIMIT });
    if (destroyed.status === "unreachable" || destroyed.status === "timed-out") return destroyed;
    await this.init.runner.exec(this.node(node), 0, { argv: virsh("vol-delete", "--pool", OVERLAY_POOL, overlayName(vm)), timeout: DESTROY_LIMIT });
    return destroyed;
  }
}
