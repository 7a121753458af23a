/** One difference between two summaries: the JSON path and both values. */
export interface SummaryDifference {
  readonly path: string;
  readonly original: unknown;
  readonly rerun: unknown;
}

/** Deep comparison of two JSON values, listing every leaf that differs. */
export function compareSummaries(original: unknown, rerun: unknown, path = ""): SummaryDifference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (isObject(original) && isObject(rerun) && Array.isArray(original) === Array.isArray(rerun)) {
    const keys = [...new Set([...Object.keys(original), ...Object.keys(rerun)])].sort();
    return keys.flatMap((k) => compareSummaries(original[k], rerun[k], path ? `${path}.${k}` : k));
  }
  return Object.is(original, rerun) ? [] : [{ path: path || "(root)", original, rerun }];
}
