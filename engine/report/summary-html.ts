import { escapeHtml, isScalar, keyValueTable, matrixTable } from "./html.ts";

type Record_ = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Record_ => typeof value === "object" && value !== null && !Array.isArray(value);

/** Scalars, or lists of scalars: what fits in one table cell. */
const isFlat = (value: unknown): boolean => isScalar(value) || (Array.isArray(value) && value.every(isScalar));

/** A non-empty object of flat fields: one row of a matrix. */
const isFlatRecord = (value: unknown): value is Record_ =>
  isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every(isFlat);

/**
 * The summary as readable HTML. At each level: flat fields in one table;
 * sibling objects of flat fields side by side in one matrix (e.g. one row
 * per scheduler, one column per figure); lists of flat objects as tables;
 * other nested objects as sub-sections.
 */
export function summaryHtml(summary: unknown, depth = 0): string {
  if (!isRecord(summary)) return keyValueTable([["value", summary]]);
  const entries = Object.entries(summary);
  const flat = entries.filter(([, v]) => isFlat(v));
  const rows = entries.filter((e): e is [string, Record_] => isFlatRecord(e[1]));
  const parts: string[] = [];
  if (flat.length > 0) parts.push(keyValueTable(flat));
  if (rows.length > 0) parts.push(matrixTable("", rows));
  const heading = `h${Math.min(3 + depth, 6)}`;
  for (const [key, value] of entries) {
    if (isFlat(value) || isFlatRecord(value)) continue;
    const title = `<${heading}>${escapeHtml(key)}</${heading}>`;
    if (Array.isArray(value) && value.length > 0 && value.every(isFlatRecord)) {
      parts.push(`${title}${matrixTable("#", value.map((v, i) => [String(i + 1), v] as const))}`);
    } else if (isRecord(value)) {
      parts.push(`<section class="sub">${title}${summaryHtml(value, depth + 1)}</section>`);
    } else {
      parts.push(`${title}<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`);
    }
  }
  return parts.length > 0 ? parts.join("\n") : `<p class="muted">empty</p>`;
}
