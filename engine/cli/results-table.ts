import type { ResultsSpec } from "../dsl/workflow.ts";
import { textTable, type Cell } from "./text-table.ts";

type Record_ = Readonly<Record<string, unknown>>;

const MAX_ROWS = 40;
const MAX_COLUMNS = 7;

const isRecord = (v: unknown): v is Record_ => typeof v === "object" && v !== null && !Array.isArray(v);
const cell = (v: unknown): Cell => (v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v));

function table(name: string, rows: readonly Record_[], columns: readonly string[]): string[] {
  const shown = rows.slice(0, MAX_ROWS);
  const more = rows.length > shown.length ? [`  ... ${rows.length - shown.length} more rows in summary.json`] : [];
  return [`${name}:`, ...textTable(columns, shown.map((r) => columns.map((c) => cell(r[c]))), "  "), ...more];
}

/**
 * The compact results table printed at the end of a run: the declared
 * `report.results` (rows of a summary field, chosen columns), or, without
 * one, the summary's scalar figures and the first columns of each list of
 * records. Empty when the summary is.
 */
export function resultsLines(summary: Readonly<Record<string, unknown>> | null, spec?: ResultsSpec): string[] {
  if (!summary || Object.keys(summary).length === 0) return [];
  const declared = spec ? summary[spec.rows] : undefined;
  if (spec && Array.isArray(declared) && declared.every(isRecord)) {
    // grouped by the first column (scheduler x scale for the headline), order otherwise kept
    const first = spec.columns[0];
    const order = [...new Set(declared.map((r) => String(r[first])))];
    const rows = [...declared].sort((a, b) => order.indexOf(String(a[first])) - order.indexOf(String(b[first])));
    return table("results", rows, spec.columns);
  }
  const scalars = Object.entries(summary).filter(([, v]) => !Array.isArray(v) && !isRecord(v));
  const lists = Object.entries(summary).filter((e): e is [string, Record_[]] => Array.isArray(e[1]) && e[1].length > 0 && e[1].every(isRecord));
  return [
    ...(scalars.length ? ["results:", ...textTable(["figure", "value"], scalars.map(([k, v]) => [k, cell(v)]), "  ")] : []),
    ...lists.flatMap(([name, rows]) => table(name, rows, [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, MAX_COLUMNS))),
  ];
}
