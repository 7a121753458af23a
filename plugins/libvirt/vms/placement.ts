import { UsageError } from "../../../engine/errors.ts";
import type { Placement } from "../../../engine/testbed.ts";

/**
 * Which node each of `count` new VMs goes to. round-robin spreads them,
 * packed fills nodes in order (`perNode` each), given follows a vm -> node map.
 */
export function placeVms(vmNames: readonly string[], nodes: readonly string[], perNode: number, placement: Placement): string[] {
  if (nodes.length === 0) throw new UsageError("no nodes to place VMs on");
  switch (placement.policy) {
    case "round-robin":
      return vmNames.map((_, i) => nodes[i % nodes.length]);
    case "packed":
      return vmNames.map((_, i) => nodes[Math.min(Math.floor(i / Math.max(perNode, 1)), nodes.length - 1)]);
    case "given":
      return vmNames.map((vm) => {
        const node = placement.map[vm];
        if (node === undefined) throw new UsageError(`placement map has no node for VM '${vm}'`);
        if (!nodes.includes(node)) throw new UsageError(`placement map puts '${vm}' on unknown node '${node}'`);
        return node;
      });
  }
}
