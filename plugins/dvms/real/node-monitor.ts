import type { NodeState, Seconds } from "../../../engine/cluster.ts";
// The two pure modules of the libvirt runtime, not its index: the agent bundle must not pull the SSH runtime in.
import { CpuPoller } from "../../libvirt/poller.ts";
import { parseDomstats } from "../../libvirt/virsh.ts";
import type { VmSpec } from "./link.ts";

const RUNNING = 1;

/**
 * An agent's view of its own node, measured as the testbed measures every
 * node (the same CpuPoller): its libvirtd's domains, their CPU time deltas
 * as demand. Which VMs are here is what libvirt runs here, not what anyone says.
 */
export function nodeMonitor(parts: {
  readonly node: NodeState;
  readonly vms: readonly VmSpec[];
  readonly now: () => Seconds;
  readonly interval: Seconds;
  /** `virsh domstats --state --cpu-total` on this node: its output, or null when it failed. */
  readonly domstats: () => Promise<string | null>;
  /** VMs this agent is moving away: still here, flagged migrating. */
  readonly leaving: ReadonlySet<string>;
}): CpuPoller {
  let here = new Set<string>();
  return new CpuPoller(
    {
      now: parts.now,
      nodes: () => [parts.node],
      vms: () => parts.vms.filter((v) => here.has(v.name)).map((v) => ({ ...v, node: parts.node.name, migrating: parts.leaving.has(v.name) })),
      domstats: async () => {
        const text = await parts.domstats();
        if (text !== null) here = new Set(parseDomstats(text).filter((d) => d.state === RUNNING).map((d) => d.name));
        return text;
      },
    },
    parts.interval,
  );
}
