import type { ClusterRuntime, MigrationResult, Observation, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { streamSeed } from "../../engine/random/streams.ts";
import type { Node, Vm } from "../../engine/hosts.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedInit, TestbedMetrics } from "../../engine/testbed.ts";
import { DEFAULTS, STEP_DURATIONS } from "./constants.ts";
import { KernelDriver } from "./driver.ts";
import { EventKernel } from "./kernel.ts";
import { nodeNames, vmNames, type NumberedNames } from "./names.ts";
import { checkInt, checkProfile, parseSimOptions, type SimOptions } from "./options.ts";
import { SimWorld } from "./world.ts";

/** The sim testbed: one simulated datacenter per reservation, on one event kernel. */
export class SimTestbed implements Testbed {
  readonly kind = "sim";
  readonly clock = "simulated";
  private readonly options: SimOptions;
  private kernel = new EventKernel();
  private driver = new KernelDriver(this.kernel);
  private nodes: Node[] = [];
  private names: NumberedNames = nodeNames(0);
  private world: SimWorld | null = null;
  private stressStart: Seconds | null = null;

  constructor(private readonly init: TestbedInit) {
    this.options = parseSimOptions(init.options);
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      kind: this.kind,
      seed: this.init.seed,
      nodes: this.nodes.length,
      vms: this.world?.platform.vmCount ?? 0,
      computeTime: "deterministic",
      options: { ...this.options },
      workingSetRatio: DEFAULTS.workingSetRatio,
      maxDowntime: DEFAULTS.maxDowntime,
    };
  }

  async reserve(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]> {
    if (this.nodes.length > 0) throw new UsageError("the sim testbed holds one reservation; reserve again for another");
    checkInt("nodes", request.nodes, 1);
    const cores = checkInt("cores", request.cores ?? DEFAULTS.cores, 1);
    const memoryMiB = checkInt("memoryMiB", request.memoryMiB ?? DEFAULTS.memoryMiB, 1);
    const names = nodeNames(request.nodes);
    this.names = names;
    this.nodes = Array.from({ length: request.nodes }, (_, i) => {
      const name = names.name(i);
      return { name, address: name, labels: { cluster: "sim" }, capacity: { cores, memoryMiB } };
    });
    await this.pass(STEP_DURATIONS.reserve(request.nodes), ctx);
    return this.nodes;
  }

  async deploy(nodes: readonly Node[], _options: DeployOptions, ctx: StepContext): Promise<readonly Node[]> {
    this.indicesOf(nodes);
    await this.pass(STEP_DURATIONS.deploy(nodes.length), ctx);
    return nodes;
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]> {
    if (this.world) throw new UsageError("the sim testbed boots its VMs once per reservation");
    const hosts = this.indicesOf(nodes);
    const perNode = checkInt("perNode", options.perNode, 0);
    const vcpus = checkInt("vcpus", options.vcpus ?? DEFAULTS.vmVcpus, 1);
    const memoryMiB = checkInt("memoryMiB", options.memoryMiB ?? DEFAULTS.vmMemoryMiB, 1);
    const names = vmNames(hosts.length * perNode);
    const vmNode = this.place(names, hosts, perNode, options);
    const { cores, memoryMiB: nodeMemory } = this.nodes[0].capacity;
    const used = new Float64Array(this.nodes.length);
    for (const node of vmNode) used[node] += memoryMiB;
    const full = used.findIndex((mib) => mib > nodeMemory);
    if (full >= 0) throw new UsageError(`VMs placed on ${this.nodes[full].name} need ${used[full]} MiB, it has ${nodeMemory}`);
    const o = this.options;
    this.world = new SimWorld(this.kernel, {
      streamSeed: this.init.streamSeed ?? ((stream) => streamSeed(this.init.seed, stream)), nodes: this.nodes.length, cores, memoryMiB: nodeMemory, vmNode, vmVcpus: vcpus, vmMemoryMiB: memoryMiB,
      linkBandwidth: o.bandwidth, linkLatency: o.latency, migrationSpeed: o.migrationSpeed, maxRounds: o.maxRounds, computeCost: o.computeCost,
      ...(o.dirtyIntensity === undefined ? {} : { dirtyIntensity: o.dirtyIntensity }),
    });
    await this.pass(STEP_DURATIONS.bootVms(perNode), ctx);
    return Array.from({ length: names.count }, (_, vm) => {
      const name = names.name(vm);
      return { name, address: name, vcpus, memoryMiB, node: this.nodes[vmNode[vm]].name };
    });
  }

  async stress(vms: readonly Vm[], profile: StressProfile, ctx: StepContext): Promise<void> {
    const world = this.booted();
    checkProfile(profile);
    const targets = new Int32Array(vms.length);
    let everyVm = vms.length === world.platform.vmCount;
    for (let i = 0; i < vms.length; i++) {
      targets[i] = world.vmOf(vms[i].name);
      everyVm &&= targets[i] === i;
    }
    // every VM in index order, as workflows stress them: the injector needs no index array
    world.stress(profile, everyVm ? undefined : targets);
    if (this.stressStart === null) {
      this.stressStart = this.kernel.now();
      if (this.options.crashes) world.injectCrashes(this.options.crashes);
    }
    ctx.journal({ event: "sim.stress", time: this.kernel.now(), vms: vms.length, profile: { ...profile } });
  }

  cluster(): ClusterRuntime {
    return this.booted().runtime;
  }

  async advance(duration: Seconds, ctx: StepContext): Promise<void> {
    if (!(duration >= 0) || !Number.isFinite(duration)) throw new UsageError(`advance needs a finite duration >= 0, got ${duration}`);
    await this.pass(duration, ctx);
  }

  /** Concurrent calls overlap in simulated time and share bandwidth (see KernelDriver). */
  async migrate(vm: string, to: string, ctx: StepContext): Promise<MigrationResult> {
    const runtime = this.booted().runtime;
    let result: MigrationResult | null = null;
    runtime.migrate(vm, to, (r) => {
      result = r;
      this.driver.wake();
    });
    await this.driver.wait(Infinity, ctx, () => result !== null);
    const done = result as unknown as MigrationResult;
    ctx.journal({ event: "sim.migration", ...done });
    return done;
  }

  async observe(): Promise<Observation> {
    return this.booted().runtime.observe();
  }

  async collect(ctx: StepContext): Promise<TestbedMetrics> {
    const metrics = this.booted().metrics(this.stressStart ?? this.kernel.now());
    ctx.journal({ event: "sim.collect", time: this.kernel.now(), ...metrics.counters });
    return metrics;
  }

  async release(): Promise<void> {
    this.world = null;
    this.nodes = [];
    this.names = nodeNames(0);
    this.kernel = new EventKernel();
    this.driver = new KernelDriver(this.kernel);
    this.stressStart = null;
  }

  private booted(): SimWorld {
    if (!this.world) throw new UsageError("the sim testbed has no VMs yet: reserve nodes and boot VMs first");
    return this.world;
  }

  private indicesOf(nodes: readonly Node[]): number[] {
    return nodes.map((n) => {
      const i = this.names.index(n.name);
      if (i < 0) throw new UsageError(`node '${n.name}' is not part of this sim reservation`);
      return i;
    });
  }

  private place(names: NumberedNames, hosts: readonly number[], perNode: number, options: BootVmsOptions): Int32Array {
    const placement = options.placement ?? { policy: "round-robin" };
    const vmNode = new Int32Array(names.count);
    if (placement.policy === "given") {
      const allowed = new Set(hosts);
      for (let vm = 0; vm < names.count; vm++) {
        const name = names.name(vm);
        const node = this.names.index(placement.map[name] ?? "");
        if (!allowed.has(node)) throw new UsageError(`placement gives VM '${name}' no node among the booted ones`);
        vmNode[vm] = node;
      }
    } else {
      for (let vm = 0; vm < names.count; vm++) {
        vmNode[vm] = hosts[placement.policy === "packed" ? Math.floor(vm / perNode) : vm % hosts.length];
      }
    }
    return vmNode;
  }

  /** Lets `duration` of simulated time pass (also for provisioning steps, before VMs exist). */
  private pass(duration: Seconds, ctx: StepContext): Promise<void> {
    return this.driver.wait(this.kernel.now() + duration, ctx);
  }
}
