import { UsageError } from "../../engine/errors.ts";
import type { Node, Vm } from "../../engine/hosts.ts";
import type { FailurePolicy } from "../../engine/policy.ts";
import type { SshRunner } from "../../engine/process/index.ts";
import type { BootVmsOptions, StepContext, Testbed } from "../../engine/testbed.ts";
import type { IpMac, VmBootSpec, VmRuntimeStep } from "../libvirt/index.ts";

/** One VM to start: where, under which name, with the address its site's DHCP will give its MAC. */
export type VmPlanEntry = VmBootSpec;

export const DEFAULT_VM = { vcpus: 1, memoryMiB: 1024 } as const;

/**
 * Names, hosts and addresses of the VMs, decided before any is started so a
 * rerun gets the same plan: VM i is "vm-<i>" (zero-padded), placed by the
 * policy, and takes the next free IP/MAC pair of its node's site.
 */
export function planVms(
  nodes: readonly Node[],
  options: BootVmsOptions,
  addresses: Readonly<Record<string, readonly IpMac[]>>,
): VmPlanEntry[] {
  if (!Number.isInteger(options.perNode) || options.perNode < 0) throw new UsageError(`g5k: perNode must be a whole number, got ${options.perNode}`);
  const total = nodes.length * options.perNode;
  const width = Math.max(4, String(total).length);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const placement = options.placement ?? { policy: "round-robin" };
  const used: Record<string, number> = {};
  const plan: VmPlanEntry[] = [];
  for (let i = 0; i < total; i++) {
    const name = `vm-${String(i + 1).padStart(width, "0")}`;
    let node: Node | undefined;
    if (placement.policy === "given") {
      node = byName.get(placement.map[name] ?? "");
      if (!node) throw new UsageError(`g5k: placement map gives no reserved node for ${name}`);
    } else {
      node = nodes[placement.policy === "packed" ? Math.floor(i / options.perNode) : i % nodes.length]!;
    }
    const site = node.labels?.site ?? "";
    const pool = addresses[site] ?? [];
    const index = used[site] ?? 0;
    const pair = pool[index];
    if (!pair) {
      throw new UsageError(`g5k: ${site} needs more VM addresses than its job's subnets give (${pool.length}): raise the 'subnets' option`);
    }
    used[site] = index + 1;
    plan.push({
      name,
      node,
      ip: pair.ip,
      mac: pair.mac,
      vcpus: options.vcpus ?? DEFAULT_VM.vcpus,
      memoryMiB: options.memoryMiB ?? DEFAULT_VM.memoryMiB,
    });
  }
  return plan;
}

/**
 * What runs VMs on deployed nodes over SSH (libvirt/KVM): by default the
 * local testbed's `LibvirtVmRuntime`, whose nodes there are namespaces
 * instead of machines. The g5k testbed reserves, deploys and plans; this
 * does the rest.
 */
export type NodeVmRuntime = Pick<Testbed, VmRuntimeStep> & {
  /** Starts the planned VMs; those that do not come up are retried, then excluded as `policy` says (default: all must boot). */
  boot(plan: readonly VmPlanEntry[], ctx: StepContext, policy?: FailurePolicy): Promise<readonly Vm[]>;
  close(): Promise<void>;
};

export interface NodeVmRuntimeEnv {
  /** The testbed's pooled SSH connections (jump hosts included); the runtime does not close it. */
  readonly runner: SshRunner;
  readonly log: (message: string) => void;
}

export type NodeVmRuntimeFactory = (nodes: readonly Node[], env: NodeVmRuntimeEnv) => NodeVmRuntime;
