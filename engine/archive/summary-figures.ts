/**
 * A summary's numeric figures, flattened to stable paths so two runs'
 * summaries line up: `violations`, `results[scale=500,scheduler=dvms].migrations`.
 * A list of records is keyed by the shortest prefix of its fields whose
 * values tell the records apart (the labels; scale and scheduler above),
 * falling back to the position. Lists of plain values (settings such as
 * `scales`) are left out.
 */
type Json = unknown;

const isRecord = (v: Json): v is Readonly<Record<string, Json>> => typeof v === "object" && v !== null && !Array.isArray(v);
const isLabel = (v: Json): v is string | number | boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** The label fields of a list of records, or null when no prefix of fields identifies them. */
function labelFields(records: readonly Readonly<Record<string, Json>>[]): string[] | null {
  const fields = Object.keys(records[0] ?? {});
  for (let n = 1; n < fields.length; n++) {
    const prefix = fields.slice(0, n);
    if (!records.every((r) => prefix.every((f) => isLabel(r[f])))) return null;
    const keys = new Set(records.map((r) => prefix.map((f) => `${f}=${String(r[f])}`).join(",")));
    if (keys.size === records.length) return prefix;
  }
  return null;
}

function collect(value: Json, path: string, into: Map<string, number>): void {
  if (typeof value === "number") {
    if (Number.isFinite(value)) into.set(path, value);
    return;
  }
  if (typeof value === "boolean") return;
  if (Array.isArray(value)) {
    // a list of plain values is a setting (scales: [500, 1000]), not a figure
    if (value.every(isLabel)) return;
    const labels = value.length > 1 && value.every(isRecord) ? labelFields(value) : null;
    value.forEach((item, i) => {
      if (labels && isRecord(item)) {
        const key = labels.map((f) => `${f}=${String(item[f])}`).join(",");
        const rest = Object.fromEntries(Object.entries(item).filter(([k]) => !labels.includes(k)));
        collect(rest, `${path}[${key}]`, into);
      } else {
        collect(item, `${path}[${i}]`, into);
      }
    });
    return;
  }
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) collect(v, path ? `${path}.${k}` : k, into);
}

export function summaryFigures(summary: Readonly<Record<string, Json>>): Map<string, number> {
  const figures = new Map<string, number>();
  collect(summary, "", figures);
  return figures;
}
