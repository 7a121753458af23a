import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mean, meanInterval, quantile, stddev, studentQuantile, welchTest } from "../../engine/metrics/stats.ts";

const SEED = 20261205;

// Reference values: scipy 1.17 (stats.t.ppf, stats.ttest_ind(equal_var=False)).
const A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

describe("Student t", () => {
  it("gives the t quantiles of the tables", () => {
    expect(studentQuantile(0.975, 4)).toBeCloseTo(2.7764451051977987, 6);
    expect(studentQuantile(0.975, 1)).toBeCloseTo(12.706204736174698, 5);
    expect(studentQuantile(0.95, 30)).toBeCloseTo(1.6972608943617378, 6);
  });
});

describe("meanInterval", () => {
  it("is mean ± t(0.975, n-1) s/√n", () => {
    const ci = meanInterval([1, 2, 3, 4, 5])!;
    expect(ci.mean).toBe(3);
    expect(ci.halfWidth).toBeCloseTo(1.9632431614775572, 6);
    expect(ci.low).toBeCloseTo(3 - 1.9632431614775572, 6);
    expect(meanInterval([12.1, 14.3, 9.8])!.halfWidth).toBeCloseTo(5.589769858010886, 5);
  });

  it("has no width for one value and is null for none", () => {
    expect(meanInterval([7])).toEqual({ n: 1, mean: 7, halfWidth: 0, low: 7, high: 7, level: 0.95 });
    expect(meanInterval([])).toBeNull();
  });

  it("holds the mean, and widens with the confidence level", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }), (xs) => {
        const ci95 = meanInterval(xs)!;
        const ci99 = meanInterval(xs, 0.99)!;
        expect(ci95.low).toBeLessThanOrEqual(ci95.mean);
        expect(ci95.high).toBeGreaterThanOrEqual(ci95.mean);
        expect(ci99.halfWidth).toBeGreaterThanOrEqual(ci95.halfWidth);
        expect(ci95.mean).toBeCloseTo(mean(xs)!, 6);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("welchTest", () => {
  it("matches the reference t, degrees of freedom and p-value", () => {
    const w = welchTest(A, B)!;
    expect(w.t).toBeCloseTo(-2.455356398286006, 9);
    expect(w.dof).toBeCloseTo(24.988529290231416, 9);
    expect(w.p).toBeCloseTo(0.021378001462866992, 6);
    const v = welchTest([12.1, 14.3, 9.8], [30.2, 28.1, 35.0, 31.3, 29.9, 33.3])!;
    expect(v.t).toBeCloseTo(-11.65240525059013, 9);
    expect(v.dof).toBeCloseTo(4.528093281837787, 9);
    expect(v.p).toBeCloseTo(0.00015102615503486473, 7);
  });

  it("is symmetric in its samples and needs two values in each", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 30 }), fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 30 }), (a, b) => {
        const ab = welchTest(a, b)!;
        const ba = welchTest(b, a)!;
        expect(ab.p).toBeCloseTo(ba.p, 9);
        expect(ab.p).toBeGreaterThanOrEqual(0);
        expect(ab.p).toBeLessThanOrEqual(1);
        expect(ab.difference).toBeCloseTo(-ba.difference, 9);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(welchTest([1], [1, 2])).toBeNull();
    expect(welchTest([3, 3], [3, 3])!.p).toBe(1);
    expect(welchTest([3, 3], [4, 4])!.p).toBe(0);
  });
});

describe("quantile and stddev", () => {
  it("interpolate linearly (R type 7) and use n - 1", () => {
    expect(quantile([0, 10, 20, 30, 40], 0.9)).toBe(36);
    expect(quantile([], 0.5)).toBeNull();
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395, 12);
    expect(stddev([1])).toBeNull();
  });
});
