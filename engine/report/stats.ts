import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { quantileOfSorted as quantile } from "../metrics/stats.ts";

/** Five-number summary drawn by a boxplot (whiskers at min and max). */
export interface BoxStats {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

export function boxStats(values: readonly number[]): BoxStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0],
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

const MAX_BINS = 40;
/** Integer data spanning fewer values than this gets one bin per integer (partition sizes, hop counts). */
const UNIT_BIN_SPAN = 40;

/** Smallest 1, 2 or 5 times a power of ten that is at least `raw`. */
function niceWidth(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/**
 * Bin edges covering every value: one bin per integer for small integer
 * ranges, otherwise Freedman–Diaconis width (Sturges when the IQR is 0)
 * rounded to a readable 1-2-5 step. Empty input has no edges.
 */
export function histogramEdges(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const integers = sorted.every(Number.isInteger);
  if (min === max) return [min - 0.5, max + 0.5];
  if (!Number.isFinite(max - min)) return [min, max];
  let width: number;
  let start: number;
  if (integers && max - min < UNIT_BIN_SPAN) {
    width = 1;
    start = min - 0.5;
  } else {
    const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
    const sturges = Math.ceil(Math.log2(sorted.length)) + 1;
    const wanted = iqr > 0 ? Math.ceil((max - min) / (2 * iqr * sorted.length ** (-1 / 3))) : sturges;
    width = niceWidth((max - min) / Math.min(Math.max(wanted, 1), MAX_BINS));
    // a range too narrow for the values' precision: one bin
    if (!(width > 0 && Number.isFinite(width))) width = max - min;
    if (integers) width = Math.max(1, Math.round(width));
    start = Math.floor(min / width) * width;
    if (start > min) start -= width;
    if (integers) start -= 0.5;
  }
  const bins = Math.min(Math.max(Math.ceil((max - start) / width), 1), 2 * MAX_BINS);
  const edges = Array.from({ length: bins + 1 }, (_, i) => start + i * width);
  // float rounding (or a range below the precision of the values) must never leave a value outside
  edges[0] = Math.min(edges[0], min);
  edges[bins] = Math.max(edges[bins], max);
  return edges;
}

/** Counts per bin [edges[i], edges[i+1]), the last bin closed; values outside the edges are not counted. */
export function histogramCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  const last = edges.length - 1;
  for (const v of values) {
    if (last < 1 || v < edges[0] || v > edges[last]) continue;
    // binary search for the last edge <= v
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid;
    }
    counts[lo] += 1;
  }
  return counts;
}

/**
 * `k` distinct indices of `0..n-1`, ascending, drawn uniformly by a partial
 * Fisher–Yates shuffle with a fixed seed: a thinned plot keeps the shape of
 * the data (a stride could alias with periodic rows) and stays reproducible.
 */
export function sampleIndices(n: number, k: number, seed = 1): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const rng = xoroshiro128plus(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = uniformInt(rng, i, n - 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from(order.subarray(0, k)).sort((a, b) => a - b);
}
