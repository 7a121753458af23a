import { formatNumber } from "./format.ts";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Everything from the archive is text, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export type Scalar = string | number | boolean | null;

export function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** Display text of a JSON value: numbers shortened, lists of scalars joined, other structures as compact JSON. */
export function displayValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every(isScalar)) return value.map(displayValue).join(", ");
  return JSON.stringify(value);
}

/** A cell; numbers are right-aligned and keep their exact value as a tooltip. */
export function cell(value: unknown): string {
  const attrs = typeof value === "number" ? ` class="num" title="${escapeHtml(String(value))}"` : "";
  return `<td${attrs}>${escapeHtml(displayValue(value))}</td>`;
}

/** Two-column table of names and values. */
export function keyValueTable(entries: readonly (readonly [string, unknown])[]): string {
  const rows = entries.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th>${cell(v)}</tr>`).join("");
  return `<table class="kv"><tbody>${rows}</tbody></table>`;
}

/** Rows by columns, e.g. one row per scheduler and one column per figure. */
export function matrixTable(corner: string, rows: readonly (readonly [string, Readonly<Record<string, unknown>>])[]): string {
  const columns = [...new Set(rows.flatMap(([, r]) => Object.keys(r)))];
  const head = `<tr><th>${escapeHtml(corner)}</th>${columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows
    .map(([name, r]) => `<tr><th scope="row">${escapeHtml(name)}</th>${columns.map((c) => cell(r[c])).join("")}</tr>`)
    .join("");
  return `<div class="scroll"><table class="matrix"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}
