import type { Seconds } from "../../../engine/cluster.ts";
import type { Node } from "../../../engine/hosts.ts";
import { checkPolicy, PolicyError, required, type FailurePolicy } from "../../../engine/policy.ts";
import { remote, TreeRunner, type CommandSpec, type HostResult, type ProcessRunner, type SshRunner } from "../../../engine/process/index.ts";
import type { StepContext } from "../../../engine/testbed.ts";
import { hostUuid, LAUNCH, libvirtdConf, nodeHosts, QEMU_CONF, UUID_PLACEHOLDER } from "../daemon.ts";
import { NODE_VM_BRIDGE } from "../vms/domain-xml.ts";
import { LIBVIRT_TCP_PORT } from "../virsh.ts";
import { BRIDGE, fullScript, LIBVIRTD, PACKAGES, probeScript, SYSCTL, VERIFY, type SubStepScript } from "./scripts.ts";

/** What a freshly deployed minimal Debian lacks to host VMs (installed only when missing). */
export const DEFAULT_PACKAGES = ["qemu-system-x86", "qemu-utils", "libvirt-daemon", "libvirt-clients", "iproute2", "procps", "util-linux"] as const;

/** ARP table thresholds: more than 1,024 neighbours on the VMs' network (10,000 VMs on one VLAN, as in the Flauncher runs). */
const GC_THRESH = ["4096", "8192", "16384"] as const;

/** bash without startup files: started by sshd, bash reads ~/.bashrc (seconds where it sets up a language's toolchain). */
const BASH = ["bash", "--norc", "--noprofile"] as const;

/** Beyond this many nodes, commands go down a relay tree instead of one connection per node from here. */
export const TREE_THRESHOLD = 32;

export interface ProvisionOptions {
  /** Where each node keeps its libvirt state: `<libvirtDir>/<node name>`. */
  readonly libvirtDir: string;
  /** The interface the VMs' bridge takes over ("" or undefined: the default route's). */
  readonly nodeInterface?: string;
  readonly packages?: readonly string[];
  /** Attempts after the first for a node whose sub-step failed (the policy's `retries` wins). */
  readonly retries: number;
  /** Seconds each sub-step may take on a node. */
  readonly timeout?: Seconds;
}

export interface ProvisionReport {
  /** The nodes that are now hypervisors, in the order given. */
  readonly nodes: readonly Node[];
  /** Nodes excluded, with the sub-step that failed and why. */
  readonly failed: readonly { readonly node: string; readonly stage: string; readonly reason: string }[];
  /** Seconds per sub-step (all nodes at once), `probe` first: the one command that finds provisioned nodes. */
  readonly stages: Readonly<Record<string, Seconds>>;
  /** Node-steps that found their work already done, of all node-steps run. */
  readonly skipped: number;
  readonly steps: number;
}

interface SubStep {
  readonly name: string;
  readonly script: SubStepScript;
  readonly args: readonly string[];
  readonly command: CommandSpec;
}

function subSteps(options: ProvisionOptions): SubStep[] {
  const timeout = options.timeout ?? 600;
  const sh = (name: string, script: SubStepScript, args: readonly string[], shell: readonly string[] = ["sh"]): SubStep => ({ name, script, args, command: { argv: [...shell, "-c", fullScript(script), `provision-${name}`, ...args], timeout } });
  const dir = `${options.libvirtDir}/{{host}}`;
  return [
    sh("packages", PACKAGES, options.packages ?? DEFAULT_PACKAGES),
    sh("sysctl", SYSCTL, GC_THRESH),
    sh("bridge", BRIDGE, [NODE_VM_BRIDGE, options.nodeInterface ?? ""]),
    sh("libvirtd", LIBVIRTD, [dir, "{{host}}", libvirtdConf(UUID_PLACEHOLDER), QEMU_CONF, nodeHosts("{{host}}"), LAUNCH]),
    sh("verify", VERIFY, ["127.0.0.1", String(LIBVIRT_TCP_PORT)], BASH),
  ];
}

/**
 * Every sub-step's check in one bash command starting no process
 * (scripts.ts, probeScript): exit 0 and the host UUID libvirtd reports on a
 * node provisioned already. Verify, the last, gets one attempt: a bare
 * node's libvirtd is not waited for.
 */
function probe(steps: readonly SubStep[], timeout: Seconds): CommandSpec {
  const args = steps.map((s, i) => (i < steps.length - 1 ? s.args : [...s.args, "1"]));
  return { argv: [...BASH, "-c", probeScript(steps.map((s) => s.script), args.map((a) => a.length)), "provision-probe", ...args.flat()], timeout };
}

const reasonOf = (r: HostResult): string => (r.stderr.trim().split("\n").at(-1) || r.error || r.status).slice(0, 300);

/**
 * Turns freshly deployed nodes into hypervisors, sub-step by sub-step
 * (packages, ARP sysctls, the VMs' bridge, libvirtd with a unique host UUID,
 * then a check that it answers with that UUID). First, one command per
 * node checks every sub-step at once: nodes provisioned already are done
 * there (provisioning again costs one round trip), the others go through
 * the sub-steps. Each sub-step runs on all the nodes still in at once
 * through the engine's fan-out (a relay tree beyond TREE_THRESHOLD nodes);
 * nodes where it fails run it again, alone, up to `retries` times, and are
 * then excluded: the journal names each one with its sub-step and reason.
 * Excluded nodes are replaced by `spares` (deployed nodes held in reserve)
 * while some are left, each spare provisioned the same way (journal
 * `node-replaced`). Fewer nodes left than the policy requires of `nodes`
 * (default: all) is a PolicyError. Idempotent: run on provisioned nodes,
 * every sub-step finds its work done.
 */
export async function provisionNodes(nodes: readonly Node[], runner: SshRunner, options: ProvisionOptions, ctx: StepContext, policy: FailurePolicy = {}, spares: readonly Node[] = []): Promise<ProvisionReport> {
  checkPolicy(policy);
  const retries = policy.retries ?? options.retries;
  const fanout: ProcessRunner = nodes.length + spares.length > TREE_THRESHOLD ? new TreeRunner(runner) : runner;
  const failed: Array<{ node: string; stage: string; reason: string }> = [];
  const stages: Record<string, Seconds> = {};
  let skipped = 0;
  let steps = 0;
  const uuids = new Map<string, string>();
  const plan = subSteps(options);
  const timed = (name: string, t0: number): Seconds => (stages[name] = (stages[name] ?? 0) + (Date.now() - t0) / 1000);

  /** One batch of nodes through the probe, then the sub-steps where it failed: the nodes that came out. */
  const pass = async (batch: readonly Node[]): Promise<Node[]> => {
    const p0 = Date.now();
    const probed = await remote(probe(plan, options.timeout ?? 600), batch, fanout, { name: "provision probe" }).run(ctx.signal);
    ctx.signal.throwIfAborted();
    // Ready: every check passed and libvirtd reports the node's own host UUID (the probe computes none: sha256sum is a process).
    const ready = new Set(probed.results.filter((r) => r.status === "ok" && r.stdout.trim().split("\n").at(-1) === hostUuid(r.host)).map((r) => r.host));
    for (const host of ready) uuids.set(host, hostUuid(host));
    skipped += ready.size * (plan.length - 1); // verify reads, it never skips
    steps += ready.size * plan.length;
    ctx.journal({ event: "provision-probe", ready: ready.size, todo: batch.length - ready.size, seconds: timed("probe", p0) });
    let alive = batch.filter((n) => !ready.has(n.name));
    for (const step of alive.length > 0 ? plan : []) {
      const t0 = Date.now();
      let todo = alive;
      const done = new Map<string, HostResult>();
      for (let attempt = 0; todo.length > 0 && attempt <= retries; attempt++) {
        const report = await remote(step.command, todo, fanout, { name: `provision ${step.name}` }).run(ctx.signal);
        ctx.signal.throwIfAborted();
        const bad: Node[] = [];
        for (const [i, r] of report.results.entries()) {
          if (r.status === "ok") done.set(r.host, r);
          else {
            bad.push(todo[i]!);
            if (attempt < retries) ctx.journal({ event: "provision-retry", node: r.host, stage: step.name, attempt: attempt + 1, reason: reasonOf(r) });
            else {
              failed.push({ node: r.host, stage: step.name, reason: reasonOf(r) });
              ctx.journal({ event: "provision-failed", node: r.host, stage: step.name, reason: reasonOf(r) });
              ctx.log(`provision: ${r.host} excluded: ${step.name}: ${reasonOf(r)}`);
            }
          }
        }
        todo = bad;
      }
      alive = alive.filter((n) => done.has(n.name));
      const skips = [...done.values()].filter((r) => r.stdout.trim().split("\n").at(-1)?.startsWith("skip")).length;
      skipped += skips;
      steps += done.size;
      if (step.name === "verify") for (const [node, r] of done) uuids.set(node, r.stdout.trim().split("\n").at(-1)!);
      ctx.journal({ event: "provision-stage", stage: step.name, ok: done.size, skipped: skips, failed: todo.length, seconds: timed(step.name, t0) });
    }
    const out = batch.filter((n) => ready.has(n.name) || alive.includes(n));
    // Migrations between two nodes reporting one host UUID are refused by libvirt: a node that shares one is not a hypervisor we can use.
    const owners = new Map([...uuids].filter(([node]) => !batch.some((n) => n.name === node)).map(([node, uuid]) => [uuid, node]));
    return out.filter((n) => {
      const uuid = uuids.get(n.name)!;
      const other = owners.get(uuid);
      if (other === undefined) {
        owners.set(uuid, n.name);
        return true;
      }
      uuids.delete(n.name);
      failed.push({ node: n.name, stage: "verify", reason: `host UUID ${uuid} also reported by ${other}` });
      ctx.journal({ event: "provision-failed", node: n.name, stage: "verify", reason: `host UUID ${uuid} also reported by ${other}` });
      return false;
    });
  };

  const alive = await pass(nodes);
  const vacant = nodes.filter((n) => !alive.includes(n)).map((n) => n.name);
  const left = [...spares];
  while (vacant.length > 0 && left.length > 0) {
    const came = await pass(left.splice(0, vacant.length));
    for (const spare of came) ctx.journal({ event: "node-replaced", step: "provision", node: vacant.shift(), spare: spare.name });
    alive.push(...came);
  }
  const need = required(policy, nodes.length);
  if (failed.length) ctx.journal({ event: "nodes-excluded", step: "provision", nodes: failed.map((f) => f.node), stages: failed.map((f) => f.stage) });
  if (alive.length < need) {
    throw new PolicyError(`provision: ${alive.length} of ${nodes.length} nodes provisioned, ${need} required; failed: ${failed.map((f) => `${f.node} (${f.stage}: ${f.reason})`).join(", ")}`, failed.map((f) => f.node));
  }
  ctx.log(`provision: ${alive.length}/${nodes.length} nodes ready (${skipped} of ${steps} sub-steps already done)${failed.length ? `, excluded: ${failed.map((f) => f.node).join(", ")}` : ""}`);
  return { nodes: alive, failed, stages, skipped, steps };
}
