import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseInstance, planToJson, solve, type PlanJson } from "../../plugins/entropy/index.ts";
import { checkPlan } from "./plan-checker.ts";

/** The nine BtrPlace std-perf instances, kept in the repository (test/fixtures/README.md). */
export const DATA = fileURLToPath(new URL("../fixtures/btrplace/", import.meta.url));

export function readJsonGz(path: string): Record<string, any> {
  const raw = readFileSync(path);
  return JSON.parse((raw[0] === 0x1f ? gunzipSync(raw) : raw).toString("utf8"));
}

export interface TinyVm {
  node?: string;
  state?: "running" | "ready" | "sleeping";
  cpu?: number;
  mem?: number;
}

/** A BtrPlace JSON instance from a compact description (resources cpu and mem). */
export function tinyInstance(
  nodes: Record<string, { cpu: number; mem: number; online?: boolean }>,
  vms: Record<string, TinyVm>,
  constraints: Record<string, unknown>[] = [],
): Record<string, any> {
  const onlineNodes: Record<string, { runningVMs: string[]; sleepingVMs: string[] }> = {};
  const offlineNodes: string[] = [];
  for (const [n, spec] of Object.entries(nodes)) {
    if (spec.online === false) offlineNodes.push(n);
    else onlineNodes[n] = { runningVMs: [], sleepingVMs: [] };
  }
  const readyVMs: string[] = [];
  for (const [v, spec] of Object.entries(vms)) {
    const state = spec.state ?? "running";
    if (state === "ready") readyVMs.push(v);
    else onlineNodes[spec.node as string][state === "running" ? "runningVMs" : "sleepingVMs"].push(v);
  }
  const view = (rc: "cpu" | "mem") => ({
    id: "shareableResource",
    rcId: rc,
    defConsumption: 0,
    defCapacity: 0,
    nodes: Object.fromEntries(Object.entries(nodes).map(([n, s]) => [n, s[rc]])),
    vms: Object.fromEntries(Object.entries(vms).map(([v, s]) => [v, s[rc] ?? 1])),
  });
  return {
    model: { mapping: { onlineNodes, offlineNodes, readyVMs }, attributes: { nodes: {}, vms: {} }, views: [view("cpu"), view("mem")] },
    constraints,
    objective: { id: "minimizeMTTR" },
  };
}

export interface Checked {
  status: string;
  plan: PlanJson | null;
  errors: string[];
  reasons: readonly string[];
}

/** Solves an instance with the solver and checks the plan with the independent checker. */
export function solveAndCheck(instance: Record<string, any>, timeLimitSeconds = 20): Checked {
  const s = solve(parseInstance(instance), { timeLimitSeconds });
  const plan = s.placement && s.plan ? planToJson(s.placement, s.plan) : null;
  return { status: s.status, plan, errors: plan ? checkPlan(instance, plan) : [], reasons: s.reasons };
}

/** The plan that changes nothing: the checker must reject it when the instance needs a repair. */
export function identityPlan(instance: Record<string, any>): PlanJson {
  const m = instance.model.mapping;
  return {
    mapping: Object.fromEntries(Object.entries<{ runningVMs: string[] }>(m.onlineNodes).map(([n, c]) => [n, c.runningVMs.map(String)])),
    offline: m.offlineNodes.map(String),
    ready: m.readyVMs.map(String),
    actions: [],
  };
}
