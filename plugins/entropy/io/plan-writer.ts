import { writeFile } from "node:fs/promises";
import type { Action, Plan } from "../plan/actions.ts";
import type { Placement } from "../solver/placement.ts";

/** One action of a plan file; node and VM ids as in the instance. */
export type PlanActionJson =
  | { action: "migrate"; vm: string; from: string; to: string; start: number; end: number }
  | { action: "boot" | "shutdown" | "kill" | "suspend" | "resume"; vm: string; node?: string; start: number; end: number }
  | { action: "bootNode" | "shutdownNode"; node: string; start: number; end: number };

/**
 * The plan file: final mapping of every online node to its running VMs,
 * offline nodes, VMs left ready, and the actions with their start and end
 * (seconds from the start of the reconfiguration).
 */
export interface PlanJson {
  mapping: Record<string, string[]>;
  offline: string[];
  ready: string[];
  actions: PlanActionJson[];
}

export function planToJson(pl: Placement, plan: Plan): PlanJson {
  const { problem: p, targets: t } = pl;
  const mapping: Record<string, string[]> = {};
  const offline: string[] = [];
  p.nodes.forEach((id, n) => {
    if (t.nodeOnline[n]) mapping[id] = pl.vmsOn(n).map((v) => p.vms[v]);
    else offline.push(id);
  });
  const ready = p.vms.filter((_, v) => t.vmStatus[v] === "ready");
  return { mapping, offline, ready, actions: plan.actions.map((a) => actionToJson(pl, a)) };
}

function actionToJson(pl: Placement, a: Action): PlanActionJson {
  const { nodes, vms } = pl.problem;
  const time = { start: round(a.start), end: round(a.end) };
  switch (a.kind) {
    case "migrate":
      return { action: "migrate", vm: vms[a.vm], from: nodes[a.from], to: nodes[a.to], ...time };
    case "bootNode":
    case "shutdownNode":
      return { action: a.kind, node: nodes[a.node], ...time };
    default:
      return a.node >= 0 ? { action: a.kind, vm: vms[a.vm], node: nodes[a.node], ...time } : { action: a.kind, vm: vms[a.vm], ...time };
  }
}

/** Microsecond precision keeps files short without reordering events. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export async function writePlanFile(path: string, json: PlanJson): Promise<void> {
  await writeFile(path, `${JSON.stringify(json)}\n`);
}
