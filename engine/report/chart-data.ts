import { safeName } from "../archive/run-archive.ts";
import type { ChartSpec } from "../dsl/workflow.ts";
import { meanInterval } from "../metrics/stats.ts";
import { formatNumber } from "./format.ts";
import { type BoxStats, boxStats, histogramCounts, histogramEdges, sampleIndices } from "./stats.ts";
import { cellMatches, numeric, type Table, type Tables } from "./tables.ts";

/** Scatter plots keep at most this many points per chart, so a page stays light. */
export const MAX_SCATTER_POINTS = 4000;

interface Axes {
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY: boolean;
  /** Provenance and caveats shown under the chart. */
  readonly notes: readonly string[];
}

export type ChartData =
  | { readonly kind: "empty"; readonly reason: string }
  | (Axes & {
      readonly kind: "xy";
      readonly chart: "line" | "bar" | "scatter";
      /** Present when x is not numeric on every row (or for bars): the x values in display order. */
      readonly categories: readonly string[] | null;
      readonly series: readonly {
        readonly name: string;
        readonly points: readonly (readonly [number | string, number])[];
        /** Line charts of repeated rows: [x, low, high] of the mean's 95 % confidence interval where several rows share x. */
        readonly intervals: readonly (readonly [number | string, number, number])[];
      }[];
    })
  | (Axes & {
      readonly kind: "boxplot";
      readonly categories: readonly string[];
      /** The series column is the x column: one box per category, each in its own colour, no legend. */
      readonly colorByCategory: boolean;
      readonly series: readonly { readonly name: string; readonly boxes: readonly (BoxStats | null)[]; readonly counts: readonly number[] }[];
    })
  | (Axes & {
      readonly kind: "histogram";
      readonly bins: readonly string[];
      readonly series: readonly { readonly name: string; readonly counts: readonly number[] }[];
    });

const empty = (reason: string): ChartData => ({ kind: "empty", reason });

/** Groups rows by a key, keeping first-appearance order (deterministic legends). */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Numeric values first in numeric order, then the rest in first-appearance order. */
function orderKeys(keys: readonly string[]): string[] {
  const numbers = keys.filter((k) => numeric(k) !== null).sort((a, b) => (numeric(a) ?? 0) - (numeric(b) ?? 0));
  return [...numbers, ...keys.filter((k) => numeric(k) === null)];
}

/** One selected row as a chart sees it. */
interface Point {
  readonly x: string;
  readonly y: number;
  readonly series: string;
}

/** Picks the rows a chart draws as points, or says why there are none. */
function selectPoints(spec: ChartSpec, table: Table | null): { points: Point[]; notes: string[] } | string {
  if (!table) return `no data: metrics/${safeName(spec.table)}.csv is missing`;
  const needed = [spec.x, spec.y, spec.series, ...Object.keys(spec.where ?? {})].filter(
    (c): c is string => c !== undefined && !(spec.kind === "histogram" && c === spec.x),
  );
  const missing = needed.filter((c) => !table.columns.includes(c));
  if (missing.length > 0) return `no data: ${table.file} has no column ${missing.map((c) => `'${c}'`).join(", ")}`;
  const at = (column: string): number => table.columns.indexOf(column);
  const where = Object.entries(spec.where ?? {}).map(([column, wanted]) => [at(column), wanted] as const);
  const [xi, yi, si] = [at(spec.x), at(spec.y), spec.series ? at(spec.series) : -1];
  const logY = spec.logY ?? false;
  // without a series column every row is one series, named after y
  const single = spec.yLabel ?? spec.y;
  let matched = 0;
  const points: Point[] = [];
  for (const row of table.rows) {
    if (!where.every(([i, wanted]) => cellMatches(row[i], wanted))) continue;
    matched += 1;
    const y = numeric(row[yi]);
    if (y === null || (logY && y <= 0)) continue;
    points.push({ x: row[xi] ?? "", y, series: si < 0 ? single : row[si] || "(empty)" });
  }
  const filter = where.map(([i, v]) => `${table.columns[i]} = ${v}`).join(", ");
  if (matched === 0) return `no data: no row of ${table.file}${filter ? ` with ${filter}` : ""}`;
  if (points.length === 0) return `no data: no ${logY ? "positive " : ""}numeric '${spec.y}' in ${table.file}`;
  const notes = [`${table.file}${filter ? `, ${filter}` : ""}: ${matched} rows`];
  if (points.length < matched) notes.push(`${matched - points.length} rows without a ${logY ? "positive " : ""}numeric ${spec.y} left out`);
  return { points, notes };
}

/** Turns a chart spec and the archive's tables into what the chart draws. */
export function chartData(spec: ChartSpec, tables: Tables): ChartData {
  const selected = selectPoints(spec, tables.get(spec.table));
  if (typeof selected === "string") return empty(selected);
  const { points, notes } = selected;
  const axes = { xLabel: spec.xLabel ?? spec.x, yLabel: spec.yLabel ?? spec.y, logY: spec.logY ?? false, notes };
  const bySeries = groupBy(points, (p) => p.series);
  const byX = (p: Point): string => p.x;
  const numericX = points.every((p) => numeric(p.x) !== null);

  switch (spec.kind) {
    case "histogram": {
      const edges = histogramEdges(points.map((p) => p.y));
      const unit = edges.length > 1 && edges[1] - edges[0] === 1 && Number.isInteger(edges[0] + 0.5);
      const bins = edges.slice(0, -1).map((lo, i) => binLabel(lo, edges[i + 1], unit));
      const series = [...bySeries].map(([name, items]) => ({ name, counts: histogramCounts(items.map((p) => p.y), edges) }));
      return { kind: "histogram", ...axes, xLabel: spec.xLabel ?? spec.y, yLabel: spec.yLabel ?? "count", bins, series };
    }
    case "boxplot": {
      const categories = orderKeys([...groupBy(points, byX).keys()]);
      const colorByCategory = spec.series === spec.x;
      const groups = colorByCategory ? new Map([[axes.yLabel, points]]) : bySeries;
      const series = [...groups].map(([name, items]) => {
        const byCategory = groupBy(items, byX);
        const values = categories.map((c) => (byCategory.get(c) ?? []).map((p) => p.y));
        return { name, boxes: values.map(boxStats), counts: values.map((v) => v.length) };
      });
      return { kind: "boxplot", ...axes, categories, colorByCategory, series };
    }
    case "scatter": {
      const shown = sampleIndices(points.length, MAX_SCATTER_POINTS).map((i) => points[i]);
      if (shown.length < points.length) notes.push(`a seeded random sample of ${shown.length} of ${points.length} points shown`);
      const series = [...groupBy(shown, (p) => p.series)].map(([name, items]) => ({
        name,
        points: items.map((p) => [numericX ? (numeric(p.x) ?? 0) : p.x, p.y] as const),
        intervals: [],
      }));
      const categories = numericX ? null : orderKeys([...new Set(points.map(byX))]);
      return { kind: "xy", chart: "scatter", ...axes, categories, series };
    }
    case "line":
    case "bar": {
      // several rows at one x (repeats, unfiltered columns) are drawn as their mean, lines with its 95 % interval
      const valueAxis = spec.kind === "line" && numericX;
      const keys = orderKeys([...new Set(points.map(byX))]);
      let averaged = false;
      const series = [...bySeries].map(([name, items]) => {
        const atX = groupBy(items, byX);
        const drawn: (readonly [number | string, number])[] = [];
        const intervals: (readonly [number | string, number, number])[] = [];
        for (const k of keys.filter((key) => atX.has(key))) {
          const x = valueAxis ? (numeric(k) ?? 0) : k;
          const ci = meanInterval((atX.get(k) ?? []).map((p) => p.y))!;
          drawn.push([x, ci.mean]);
          if (ci.n > 1) {
            averaged = true;
            if (spec.kind === "line") intervals.push([x, ci.low, ci.high]);
          }
        }
        return { name, points: drawn, intervals };
      });
      if (averaged) notes.push(`points are means of the rows sharing ${spec.x}${spec.kind === "line" ? ", whiskers their 95 % confidence interval (Student t)" : ""}`);
      return { kind: "xy", chart: spec.kind, ...axes, categories: valueAxis ? null : keys, series };
    }
  }
}

function binLabel(lo: number, hi: number, unit: boolean): string {
  if (unit) return String(lo + 0.5);
  const integerBins = Number.isInteger(lo + 0.5) && Number.isInteger(hi + 0.5);
  if (integerBins) return `${lo + 0.5}–${hi - 0.5}`;
  return `${formatNumber(lo)}–${formatNumber(hi)}`;
}
