import type { Observation } from "../../../engine/cluster.ts";
import type { PublicState } from "../../../plugins/dvms/agent.ts";

/**
 * The DVMS invariants (docs/dvms.md) at one instant:
 * - every VM is hosted by exactly one known node, and no VM appeared or vanished;
 * - no node is in two partitions: a leader solving or applying a plan only
 *   counts on nodes that are (alive and) locked in its partition, and two
 *   such leaders never share a node.
 * Returns the violations found (empty when all hold).
 */
export function invariantViolations(
  obs: Observation,
  vmNames: readonly string[],
  states: ReadonlyMap<string, PublicState>,
): string[] {
  const problems = placementViolations(obs, vmNames);
  const online = new Set(obs.nodes.filter((n) => n.online).map((n) => n.name));
  const lockedBy = new Map<string, string>();
  for (const [leader, state] of states) {
    if (state.kind !== "member" || (state.leading !== "solving" && state.leading !== "applying")) continue;
    for (const member of state.nodes) {
      const other = lockedBy.get(member);
      if (other !== undefined) problems.push(`${member} in partitions ${other} and ${state.id}`);
      lockedBy.set(member, state.id);
      if (member === leader || !online.has(member)) continue;
      const s = states.get(member);
      if (s?.kind !== "member" || s.id !== state.id) {
        problems.push(`${leader} works on ${state.id} with ${member}, which is ${s?.kind === "member" ? `in ${s.id}` : s?.kind}`);
      }
    }
  }
  return problems;
}

function placementViolations(obs: Observation, vmNames: readonly string[]): string[] {
  const problems: string[] = [];
  const nodes = new Set(obs.nodes.map((n) => n.name));
  const seen = new Map<string, number>();
  for (const vm of obs.vms) {
    seen.set(vm.name, (seen.get(vm.name) ?? 0) + 1);
    if (!nodes.has(vm.node)) problems.push(`${vm.name} on unknown node ${vm.node}`);
  }
  for (const name of vmNames) {
    const count = seen.get(name) ?? 0;
    if (count !== 1) problems.push(`${name} hosted ${count} times`);
  }
  if (seen.size !== vmNames.length) problems.push(`${seen.size} VMs observed, ${vmNames.length} booted`);
  return problems;
}
