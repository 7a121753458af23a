import { formatNumber } from "../report/format.ts";

/** Aligned plain-text tables for the terminal: numbers right-aligned, text left-aligned, two spaces between columns. */
export type Cell = string | number | boolean | null | undefined;

const text = (cell: Cell): string => (cell === null || cell === undefined ? "-" : typeof cell === "number" ? formatNumber(cell) : String(cell));
const numeric = (cell: Cell): boolean => typeof cell === "number" || (typeof cell === "string" && /^[-+]?[\d.]+(e[-+]?\d+)?( ?[%±].*)?$/i.test(cell));

export function textTable(header: readonly string[], rows: readonly (readonly Cell[])[], indent = ""): string[] {
  const cells = rows.map((row) => header.map((_, i) => text(row[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const right = header.map((_, i) => rows.length > 0 && rows.every((row) => row[i] === null || row[i] === undefined || numeric(row[i])));
  const line = (row: readonly string[]): string =>
    `${indent}${row.map((c, i) => (i === row.length - 1 && !right[i] ? c : right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")}`.trimEnd();
  return [line(header), ...cells.map(line)];
}
