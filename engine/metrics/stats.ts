/** Order statistics for experiment figures. Empty input gives null, never NaN. */

/** Quantile of sorted values by linear interpolation between order statistics (R type 7, numpy's default). */
export function quantileOfSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  // clamped: float rounding must not step outside the two neighbours
  return Math.min(Math.max(sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]), sorted[lo]), sorted[hi]);
}

export function quantile(values: readonly number[], q: number): number | null {
  return values.length === 0 ? null : quantileOfSorted([...values].sort((a, b) => a - b), q);
}

export const median = (values: readonly number[]): number | null => quantile(values, 0.5);

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Rounds for stable, readable summaries (bit-identical across reruns anyway). */
export function round(value: number | null, digits = 3): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
