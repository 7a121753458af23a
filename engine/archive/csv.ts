import { parse } from "csv-parse/sync";
import type { MetricRow } from "../scheduler.ts";

/** RFC 4180 field quoting. */
function field(value: MetricRow[string]): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(columns: readonly string[]): string {
  return `${columns.map((c) => field(c)).join(",")}\n`;
}

export function csvRows(columns: readonly string[], rows: readonly MetricRow[]): string {
  return rows.map((row) => `${columns.map((c) => field(row[c] ?? null)).join(",")}\n`).join("");
}

/** Column names of a CSV file's first line. */
export function parseCsvHeader(text: string): string[] {
  const [header] = parse(text, { to_line: 1 }) as string[][];
  return header ?? [];
}
