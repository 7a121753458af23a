import type { ParamSpec } from "../dsl/params.ts";
import { loadWorkflow } from "../run/loader.ts";
import { textTable } from "./text-table.ts";

/** One param as `describe` shows it (and `--json` prints it). */
export interface ParamDescription {
  readonly name: string;
  readonly type: string;
  readonly default: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly description: string;
}

export function describeParam(name: string, spec: ParamSpec<unknown>): ParamDescription {
  return { name, type: spec.kind, default: spec.default, ...spec.bounds, description: spec.description };
}

/** A default as it would be written on the command line: lists comma-separated, durations in seconds. */
function shown(value: unknown, type: string): string {
  if (Array.isArray(value)) return value.join(",");
  if (type === "duration") return `${String(value)}s`;
  return typeof value === "string" ? (value === "" ? '""' : value) : String(value);
}

function bounds(p: ParamDescription): string {
  if (p.min === undefined && p.max === undefined) return "";
  if (p.max === undefined) return `>= ${p.min}`;
  if (p.min === undefined) return `<= ${p.max}`;
  return `${p.min}..${p.max}`;
}

/**
 * `g5k-flow describe <workflow>` and `g5k-flow run <workflow> --help`: the
 * workflow's description and params, read from its definition without running it.
 */
export async function describeCommand(path: string, options: { readonly json?: boolean; readonly runHelp?: string }): Promise<number> {
  const { workflow } = await loadWorkflow(path);
  const params = Object.entries(workflow.params).map(([name, spec]) => describeParam(name, spec));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ name: workflow.name, description: workflow.description ?? null, params })}\n`);
    return 0;
  }
  const lines = [
    ...(options.runHelp ? [options.runHelp.trimEnd(), ""] : []),
    `workflow ${workflow.name} (${path})`,
    ...(workflow.description ? [`  ${workflow.description}`] : []),
    "",
    params.length ? "params (--param name=value; lists comma-separated, durations like 30m or 90s):" : "no params",
    ...textTable(
      ["name", "type", "default", "bounds", "description"],
      params.map((p) => [p.name, p.type, shown(p.default, p.type), bounds(p), p.description]),
      "  ",
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
