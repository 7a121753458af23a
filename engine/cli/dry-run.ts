import { formatDuration } from "../progress/types.ts";
import type { Plan, PlannedStep } from "../run/plan.ts";
import { planRun } from "../run/runner.ts";
import { textTable } from "./text-table.ts";

const ROOT = "(run)";

/** The scope a step belongs to: the longest recorded scope prefixing it. */
function scopeOf(step: string, scopes: readonly string[]): string {
  let best = ROOT;
  for (const s of scopes) if (step.startsWith(`${s}/`) && (best === ROOT || s.length > best.length)) best = s;
  return best;
}

/** `reserve`, `scope/reserve`, `reserve#2`: the step of that kind. */
const isStep = (step: PlannedStep, kind: string): boolean => new RegExp(`(^|/)${kind}(#\\d+)?$`).test(step.step);

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function stepText(step: PlannedStep, scope: string): string {
  const name = scope === ROOT ? step.step : step.step.slice(scope.length + 1);
  return typeof step.asks.for === "number" ? `${name} (${formatDuration(step.asks.for)})` : name;
}

/** Steps in order, repeats of one kind counted: `observe ×10, migrate ×22`. */
function compact(steps: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => (n > 1 ? `${s} ×${n}` : s)).join(", ");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One row per scope (a sweep point): nodes and VMs asked, the longest walltime, the steps in order. */
function rows(plan: Plan): { scope: string; nodes: number; vms: number; walltime: number | null; steps: string[] }[] {
  const byScope = new Map<string, { scope: string; nodes: number; vms: number; walltime: number | null; steps: string[] }>();
  for (const step of plan.steps) {
    const scope = scopeOf(step.step, plan.scopes);
    const row = byScope.get(scope) ?? { scope, nodes: 0, vms: 0, walltime: null, steps: [] };
    if (isStep(step, "reserve")) {
      row.nodes += num(step.asks.nodes);
      if (typeof step.asks.walltime === "number") row.walltime = Math.max(row.walltime ?? 0, step.asks.walltime);
    }
    if (isStep(step, "bootVms")) row.vms += num(step.asks.vms);
    row.steps.push(stepText(step, scope).replace(/#\d+$/, ""));
    byScope.set(scope, row);
  }
  return [...byScope.values()];
}

/**
 * `g5k-flow run <workflow> --dry-run`: params validated, testbed and options
 * resolved, then the steps and sweep points the run would take with the
 * nodes, VMs and walltime each asks for. Nothing reserved, no archive.
 */
export async function dryRunCommand(workflowPath: string, options: { readonly json?: boolean; readonly testbed: string; readonly seed: number; readonly params: Readonly<Record<string, unknown>>; readonly testbedOptions: Readonly<Record<string, string>> }): Promise<number> {
  const { loaded, params, plugin, testbedOptions, plan } = await planRun({ workflowPath, params: options.params, testbed: options.testbed, testbedOptions: options.testbedOptions, seed: options.seed });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ workflow: loaded.workflow.name, params, seed: options.seed, testbed: { kind: plugin.name, options: testbedOptions }, sweeps: plan.sweeps, steps: plan.steps })}\n`);
    return 0;
  }
  const table = rows(plan);
  const reservations = plan.steps.filter((s) => isStep(s, "reserve"));
  const nodeHours = reservations.reduce((sum, s) => sum + (num(s.asks.nodes) * num(s.asks.walltime)) / 3600, 0);
  const optionText = Object.entries(testbedOptions).map(([k, v]) => `${k}=${v}`).join(" ") || "(defaults)";
  const lines = [
    `dry run of ${loaded.workflow.name} (${workflowPath}): nothing reserved, no archive`,
    `testbed  ${plugin.name}  options ${optionText}  seed ${options.seed}`,
    `params   ${Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join(" ")}`,
    ...plan.sweeps.map((s) => `sweep    ${s.sweep}: ${s.points.length} points${s.skipped.length ? `, ${s.skipped.length} skipped by its filter` : ""}`),
    "",
    ...textTable(["scope", "nodes", "VMs", "walltime", "steps"], table.map((r) => [r.scope, r.nodes, r.vms, r.walltime === null ? "-" : formatDuration(r.walltime), compact(r.steps)])),
    "",
    `total: ${plural(plan.steps.length, "step")}, ${plural(reservations.length, "reservation")}, at most ${Math.max(0, ...reservations.map((s) => num(s.asks.nodes)))} nodes at once${nodeHours > 0 ? `, ${Math.round(nodeHours)} node-hours of walltime asked` : ""}, ${table.reduce((sum, r) => sum + r.vms, 0)} VMs booted`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
