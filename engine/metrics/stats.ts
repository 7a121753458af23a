/**
 * The one statistics module of the project: order statistics, means,
 * Student-t confidence intervals and Welch's t-test, for benchmarks, metrics,
 * reports and comparisons alike. Empty input gives null, never NaN.
 * Definitions: docs/metrics.md.
 */
// Referenced, not left to tsconfig's include: a workflow type-checked on its
// own (files: [workflow]) reaches this module through its imports only.
/// <reference path="./jstat.d.ts" />
import jStat from "jstat";

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

/** Unbiased sample variance (n - 1 in the denominator); null below two values. */
export function variance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = sum(values) / values.length;
  return values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
}

export function stddev(values: readonly number[]): number | null {
  const v = variance(values);
  return v === null ? null : Math.sqrt(v);
}

/** A mean with its two-sided confidence interval. */
export interface MeanInterval {
  readonly n: number;
  readonly mean: number;
  /** Half-width: the interval is mean ± halfWidth (0 for a single value: no spread is known). */
  readonly halfWidth: number;
  readonly low: number;
  readonly high: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

/** Quantile of Student's t distribution with `dof` degrees of freedom. */
export function studentQuantile(p: number, dof: number): number {
  return jStat.studentt.inv(p, dof);
}

/**
 * Mean and its confidence interval from Student's t with n - 1 degrees of
 * freedom: mean ± t(1 - (1 - level) / 2, n - 1) · s / √n. One value gives a
 * zero-width interval (reports draw it without whiskers); none gives null.
 */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval | null {
  const n = values.length;
  if (n === 0) return null;
  const m = sum(values) / n;
  const s = stddev(values);
  const halfWidth = s === null || s === 0 ? 0 : studentQuantile(1 - (1 - level) / 2, n - 1) * (s / Math.sqrt(n));
  return { n, mean: m, halfWidth, low: m - halfWidth, high: m + halfWidth, level };
}

/** Welch's unequal-variance t-test of two samples' means. */
export interface WelchTest {
  /** mean(a) - mean(b) */
  readonly difference: number;
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly dof: number;
  /** Two-sided p-value. */
  readonly p: number;
}

/**
 * Welch's t-test: t = (ā - b̄) / √(sa²/na + sb²/nb), Welch–Satterthwaite
 * degrees of freedom, two-sided p-value. Null when either sample has fewer
 * than two values. Two samples without spread give p = 1 when their means are
 * equal and p = 0 otherwise (the difference is certain).
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchTest | null {
  const va = variance(a);
  const vb = variance(b);
  if (va === null || vb === null) return null;
  const difference = sum(a) / a.length - sum(b) / b.length;
  const ea = va / a.length;
  const eb = vb / b.length;
  const se = Math.sqrt(ea + eb);
  if (se === 0) return { difference, t: difference === 0 ? 0 : Math.sign(difference) * Infinity, dof: a.length + b.length - 2, p: difference === 0 ? 1 : 0 };
  const t = difference / se;
  const dof = (ea + eb) ** 2 / (ea ** 2 / (a.length - 1) + eb ** 2 / (b.length - 1));
  const p = Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), dof));
  return { difference, t, dof, p };
}

/** Rounds for stable, readable summaries (bit-identical across reruns anyway). */
export function round(value: number, digits?: number): number;
export function round(value: number | null, digits?: number): number | null;
export function round(value: number | null, digits = 3): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
