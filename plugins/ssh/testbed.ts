import { UsageError } from "../../engine/errors.ts";
import type { Node, Vm } from "../../engine/hosts.ts";
import { underPolicy } from "../../engine/policy.ts";
import { SshRunner } from "../../engine/process/index.ts";
import type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, Testbed, TestbedInit } from "../../engine/testbed.ts";
import { ipMacPairs, LibvirtVmRuntime, libvirtOptions, placeVms, virsh, VmRuntimeSteps } from "../libvirt/index.ts";
import type { Inventory, InventoryHost } from "./inventory.ts";
import type { SshOptions } from "./options.ts";

const firstLine = (text: string): string => text.trim().split("\n")[0] ?? "";

/** Cores and memory of a host, read over SSH (for inventory entries that do not give them). */
async function measureCapacity(runner: SshRunner, host: InventoryHost): Promise<Node["capacity"]> {
  const cores = await runner.exec(host, 0, { argv: ["nproc"], timeout: 30 });
  if (cores.status !== "ok") throw new Error(firstLine(cores.stderr) || cores.error || cores.status);
  if (host.capacity) return host.capacity;
  const mem = await runner.exec(host, 0, { argv: ["cat", "/proc/meminfo"], timeout: 30 });
  const kib = Number(/^MemTotal:\s+(\d+) kB/m.exec(mem.stdout)?.[1]);
  if (mem.status !== "ok" || !Number.isFinite(kib)) throw new Error(`cannot read /proc/meminfo: ${firstLine(mem.stderr) || mem.error || mem.status}`);
  return { cores: Number(cores.stdout.trim()), memoryMiB: Math.floor(kib / 1024) };
}

/**
 * An existing cluster (docs/testbeds.md): machines listed in an inventory,
 * reached by SSH (through jump hosts where given). Nothing is reserved or
 * installed: reserve checks which hosts answer, deploy checks their libvirtd,
 * and VMs run through the libvirt runtime shared with g5k and local.
 */
export class SshTestbed extends VmRuntimeSteps implements Testbed {
  readonly kind = "ssh";
  readonly clock = "wall" as const;
  private readonly runner: SshRunner;
  private nodes: readonly Node[] = [];
  private runtime: LibvirtVmRuntime | null = null;
  private vmCounter = 0;

  constructor(private readonly init: TestbedInit, private readonly options: SshOptions, private readonly inventory: Inventory) {
    super();
    this.runner = new SshRunner({
      connectTimeout: options.connectTimeout,
      hostKeyPolicy: options.knownHosts ? { mode: "strict", knownHostsFile: options.knownHosts } : { mode: "accept-new" },
    });
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      kind: "ssh",
      inventory: this.inventory.file,
      inventoryHosts: this.inventory.hosts.length,
      hosts: this.nodes.map((n) => ({ name: n.name, address: n.address, jump: n.jump?.name ?? null, capacity: n.capacity })),
      guestSubnet: this.options.guestSubnet ?? null,
      accel: this.options.accel,
      hostKeys: this.options.knownHosts ? "strict" : "accept-new",
    };
  }

  processRunner(): SshRunner {
    return this.runner;
  }

  /**
   * Takes the first `nodes` inventory hosts whose labels match `where`; a
   * host that does not answer (after `retries`) is replaced by the next one.
   */
  async reserve(request: ReserveRequest, ctx: StepContext): Promise<readonly Node[]> {
    const where = Object.entries(request.where ?? {});
    const candidates = this.inventory.hosts.filter((h) => where.every(([k, v]) => h.labels?.[k] === v));
    if (!Number.isInteger(request.nodes) || request.nodes < 1) throw new UsageError(`ssh testbed: nodes must be a positive integer, got ${request.nodes}`);
    if (candidates.length < request.nodes) {
      throw new UsageError(`ssh testbed: ${request.nodes} hosts asked, the inventory has ${candidates.length}${where.length ? ` matching ${where.map(([k, v]) => `${k}=${v}`).join(",")}` : ""}`);
    }
    let done = 0;
    const report = await underPolicy(
      candidates.slice(0, request.nodes),
      { retries: this.options.retries, backoff: 1, require: "all", onFailure: "replace" },
      { name: (h) => h.name, spares: candidates.slice(request.nodes), signal: ctx.signal, onEvent: (e) => ctx.journal({ ...e, step: "reserve" }) },
      async (host) => {
        const capacity = await measureCapacity(this.runner, host);
        ctx.progress({ done: ++done, total: request.nodes });
        return capacity;
      },
    );
    this.nodes = report.ok.map(({ host, value }) => ({ ...host, capacity: value }));
    const replaced = report.failed.filter((f) => f.replacedBy).map((f) => `${f.host.name} -> ${f.replacedBy!.name}`);
    if (replaced.length) ctx.log(`ssh: unreachable hosts replaced: ${replaced.join(", ")}`);
    return this.nodes;
  }

  /** No installation: checks that each node's libvirtd answers, under the step's failure policy. */
  async deploy(nodes: readonly Node[], options: DeployOptions, ctx: StepContext): Promise<readonly Node[]> {
    const report = await underPolicy(nodes, options.policy ?? {}, { name: (n) => n.name, signal: ctx.signal, onEvent: (e) => ctx.journal({ ...e, step: "deploy" }) }, async (node) => {
      const r = await this.runner.exec(node, 0, { argv: virsh("version"), timeout: 30 });
      if (r.status !== "ok") throw new Error(`libvirtd does not answer: ${firstLine(r.stderr) || r.error || r.status}`);
      return node;
    });
    this.nodes = report.ok.map((o) => o.value);
    return this.nodes;
  }

  async bootVms(nodes: readonly Node[], options: BootVmsOptions, ctx: StepContext): Promise<readonly Vm[]> {
    const subnet = this.options.guestSubnet;
    if (!subnet) throw new UsageError("ssh testbed: booting VMs needs the guests' subnet: --testbed-opt guestSubnet=CIDR");
    if (!Number.isInteger(options.perNode) || options.perNode < 0) throw new UsageError(`ssh testbed: perNode must be a whole number, got ${options.perNode}`);
    const names = Array.from({ length: options.perNode * nodes.length }, () => `vm-${String(++this.vmCounter).padStart(4, "0")}`);
    const placement = placeVms(names, nodes.map((n) => n.name), options.perNode, options.placement ?? { policy: "round-robin" });
    const pairs = ipMacPairs([subnet]).slice(this.vmCounter - names.length);
    if (pairs.length < names.length) throw new UsageError(`ssh testbed: guestSubnet ${subnet} has no room for ${names.length} more VMs`);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    this.runtime ??= new LibvirtVmRuntime({
      nodes: this.nodes,
      runner: this.runner,
      options: libvirtOptions(this.options),
      prefixLength: Number(subnet.split("/")[1]),
      log: this.init.log,
    });
    const plan = names.map((name, i) => ({ name, node: byName.get(placement[i]!)!, ...pairs[i]!, vcpus: options.vcpus ?? 1, memoryMiB: options.memoryMiB ?? 512 }));
    return this.requireRuntime().boot(plan, ctx, options.policy);
  }

  protected requireRuntime(): LibvirtVmRuntime {
    if (!this.runtime) throw new UsageError("ssh testbed: boot VMs first");
    return this.runtime;
  }

  /** Stops the VMs it started; the machines themselves are not ours to touch. */
  async release(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = null;
    await runtime?.close();
    await this.runner.close();
  }
}
