import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNumber } from "../../engine/report/format.ts";
import { quantileOfSorted as quantile } from "../../engine/metrics/stats.ts";
import { boxStats, histogramCounts, histogramEdges, sampleIndices } from "../../engine/report/stats.ts";

const SEED = 20261121;

describe("boxStats", () => {
  it("gives min, quartiles by linear interpolation, median and max", () => {
    expect(boxStats([7, 1, 10, 4, 2, 9, 3, 8, 6, 5])).toEqual({ min: 1, q1: 3.25, median: 5.5, q3: 7.75, max: 10 });
    expect(boxStats([3, 1, 2])).toEqual({ min: 1, q1: 1.5, median: 2, q3: 2.5, max: 3 });
    expect(boxStats([4])).toEqual({ min: 4, q1: 4, median: 4, q3: 4, max: 4 });
    expect(boxStats([])).toBeNull();
  });

  it("keeps min <= q1 <= median <= q3 <= max, with the median matching the middle order statistic", () => {
    fc.assert(
      // "+ 0" turns -0 into 0: the order of -0 and 0 is not what this checks
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => v + 0), { minLength: 1, maxLength: 60 }), (values) => {
        const s = boxStats(values);
        const sorted = [...values].sort((a, b) => a - b);
        expect(s).not.toBeNull();
        if (!s) return;
        expect([s.min, s.q1, s.median, s.q3, s.max]).toEqual([...[s.min, s.q1, s.median, s.q3, s.max]].sort((a, b) => a - b));
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted.at(-1));
        if (sorted.length % 2 === 1) expect(s.median).toBe(sorted[(sorted.length - 1) / 2]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("interpolates quantiles between neighbours", () => {
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([0, 10, 20, 30, 40], 0.9)).toBe(36);
  });
});

describe("histogram", () => {
  const everyValueOnce = (values: readonly number[]): void => {
    const edges = histogramEdges(values);
    const counts = histogramCounts(values, edges);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThanOrEqual(edges[i - 1]);
    // each value lies inside the bin that counted it: recount one value at a time
    for (const v of values) {
      const one = histogramCounts([v], edges);
      const bin = one.indexOf(1);
      expect(one.reduce((a, b) => a + b, 0)).toBe(1);
      expect(v).toBeGreaterThanOrEqual(edges[bin]);
      expect(v <= edges[bin + 1]).toBe(true);
      if (bin < edges.length - 2) expect(v).toBeLessThan(edges[bin + 1]);
    }
    expect(edges.length - 1).toBeLessThanOrEqual(80);
  };

  it("counts every value exactly once, in a bin whose edges contain it (doubles)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200 }), (values) =>
        everyValueOnce(values),
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("counts every value exactly once (integers, narrow and wide ranges, tiny float ranges)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }),
          fc.array(fc.integer({ min: -100000, max: 100000 }), { minLength: 1, maxLength: 200 }),
          fc.array(fc.double({ min: 1, max: 1.000001, noNaN: true }), { minLength: 1, maxLength: 50 }),
        ),
        (values) => everyValueOnce(values),
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("gives small integer data one bin per integer", () => {
    const edges = histogramEdges([2, 3, 3, 7]);
    expect(edges).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
    expect(histogramCounts([2, 3, 3, 7], edges)).toEqual([1, 2, 0, 0, 0, 1]);
  });

  it("puts identical values in a single bin and has no bins for no data", () => {
    expect(histogramCounts([5, 5, 5], histogramEdges([5, 5, 5]))).toEqual([3]);
    expect(histogramEdges([])).toEqual([]);
  });
});

describe("sampleIndices", () => {
  it("draws k distinct in-range indices, ascending, the same for the same seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 600 }), fc.integer(), (n, k, seed) => {
        const picked = sampleIndices(n, k, seed);
        expect(picked).toHaveLength(Math.min(n, k));
        expect(new Set(picked).size).toBe(picked.length);
        picked.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(n);
          if (i > 0) expect(v).toBeGreaterThan(picked[i - 1]);
        });
        expect(sampleIndices(n, k, seed)).toEqual(picked);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("gives every index about the same chance", () => {
    const hits = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) for (const i of sampleIndices(10, 3, seed)) hits[i] += 1;
    // 600 expected per index; binomial sd ~ 20
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(100);
  });
});

describe("formatNumber", () => {
  it("keeps integers, rounds large values and shortens the rest to 4 significant digits", () => {
    expect(["42", "123457", "51.7", "0.3333", "-2.667", "1.235e-7"]).toEqual(
      [42, 123456.78, 51.7, 1 / 3, -8 / 3, 1.23456e-7].map(formatNumber),
    );
  });
});
