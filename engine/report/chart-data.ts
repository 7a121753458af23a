import { safeName } from "../archive/run-archive.ts";
import type { ChartSpec } from "../dsl/workflow.ts";
import { type BoxStats, boxStats, histogramCounts, histogramEdges } from "./stats.ts";
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
      readonly series: readonly { readonly name: string; readonly points: readonly (readonly [number | string, number])[] }[];
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

type Row = Readonly<Record<string, string>>;

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

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Numeric values first in numeric order, then the rest in first-appearance order. */
function orderKeys(keys: readonly string[]): string[] {
  const numbers = keys.filter((k) => numeric(k) !== null).sort((a, b) => (numeric(a) ?? 0) - (numeric(b) ?? 0));
  return [...numbers, ...keys.filter((k) => numeric(k) === null)];
}

/** Picks the rows a chart draws, or says why there are none. */
function selectRows(spec: ChartSpec, table: Table | null): { rows: Row[]; notes: string[] } | string {
  if (!table) return `no data: metrics/${safeName(spec.table)}.csv is missing`;
  const needed = [spec.x, spec.y, spec.series, ...Object.keys(spec.where ?? {})].filter(
    (c): c is string => c !== undefined && !(spec.kind === "histogram" && c === spec.x),
  );
  const missing = needed.filter((c) => !table.columns.includes(c));
  if (missing.length > 0) return `no data: ${table.file} has no column ${missing.map((c) => `'${c}'`).join(", ")}`;
  const where = Object.entries(spec.where ?? {});
  const rows = table.rows.filter((row) => where.every(([column, wanted]) => cellMatches(row[column], wanted)));
  const filter = where.map(([k, v]) => `${k} = ${v}`).join(", ");
  if (rows.length === 0) return `no data: no row of ${table.file}${filter ? ` with ${filter}` : ""}`;
  return { rows, notes: [`${table.file}${filter ? `, ${filter}` : ""}: ${rows.length} rows`] };
}

/** Turns a chart spec and the archive's tables into what the chart draws. */
export function chartData(spec: ChartSpec, tables: Tables): ChartData {
  const selected = selectRows(spec, tables.get(spec.table));
  if (typeof selected === "string") return empty(selected);
  const { rows, notes } = selected;
  const logY = spec.logY ?? false;
  // without a series column every row is one series, named after y
  const seriesOf = (row: Row): string => (spec.series ? row[spec.series] || "(empty)" : (spec.yLabel ?? spec.y));
  const withY = rows
    .map((row) => ({ row, y: numeric(row[spec.y]) }))
    .filter((r): r is { row: Row; y: number } => r.y !== null && (!logY || r.y > 0));
  if (withY.length < rows.length) notes.push(`${rows.length - withY.length} rows without a ${logY ? "positive " : ""}numeric ${spec.y} left out`);
  if (withY.length === 0) return empty(`no data: no numeric '${spec.y}' in ${spec.table}`);
  const axes = { xLabel: spec.xLabel ?? spec.x, yLabel: spec.yLabel ?? spec.y, logY, notes };
  const bySeries = groupBy(withY, (r) => seriesOf(r.row));

  switch (spec.kind) {
    case "histogram": {
      const edges = histogramEdges(withY.map((r) => r.y));
      const unit = edges.length > 1 && edges[1] - edges[0] === 1 && Number.isInteger(edges[0] + 0.5);
      const bins = edges.slice(0, -1).map((lo, i) => binLabel(lo, edges[i + 1], unit));
      const series = [...bySeries].map(([name, items]) => ({ name, counts: histogramCounts(items.map((r) => r.y), edges) }));
      return { kind: "histogram", ...axes, xLabel: spec.xLabel ?? spec.y, yLabel: spec.yLabel ?? "count", bins, series };
    }
    case "boxplot": {
      const categories = orderKeys([...groupBy(withY, (r) => r.row[spec.x]).keys()]);
      const colorByCategory = spec.series === spec.x;
      const groups = colorByCategory ? new Map([[axes.yLabel, withY]]) : bySeries;
      const series = [...groups].map(([name, items]) => {
        const byCategory = groupBy(items, (r) => r.row[spec.x]);
        const values = categories.map((c) => (byCategory.get(c) ?? []).map((r) => r.y));
        return { name, boxes: values.map(boxStats), counts: values.map((v) => v.length) };
      });
      return { kind: "boxplot", ...axes, categories, colorByCategory, series };
    }
    case "scatter": {
      const numericX = withY.every((r) => numeric(r.row[spec.x]) !== null);
      const step = Math.ceil(withY.length / MAX_SCATTER_POINTS);
      if (step > 1) notes.push(`every ${step}th point of ${withY.length} shown`);
      const series = [...bySeries].map(([name, items]) => ({
        name,
        points: items.filter((_, i) => i % step === 0).map((r) => [numericX ? (numeric(r.row[spec.x]) ?? 0) : r.row[spec.x], r.y] as const),
      }));
      const categories = numericX ? null : orderKeys([...new Set(withY.map((r) => r.row[spec.x]))]);
      return { kind: "xy", chart: "scatter", ...axes, categories, series };
    }
    case "line":
    case "bar": {
      // several rows at one x (repeats, unfiltered columns) are drawn as their mean
      const numericX = spec.kind === "line" && withY.every((r) => numeric(r.row[spec.x]) !== null);
      const keys = orderKeys([...new Set(withY.map((r) => r.row[spec.x]))]);
      let averaged = false;
      const series = [...bySeries].map(([name, items]) => {
        const byX = groupBy(items, (r) => r.row[spec.x]);
        const points = keys
          .filter((k) => byX.has(k))
          .map((k) => {
            const ys = (byX.get(k) ?? []).map((r) => r.y);
            averaged ||= ys.length > 1;
            return [numericX ? (numeric(k) ?? 0) : k, mean(ys)] as const;
          });
        return { name, points };
      });
      if (averaged) notes.push(`points are means of the rows sharing ${spec.x}`);
      return { kind: "xy", chart: spec.kind, ...axes, categories: numericX ? null : keys, series };
    }
  }
}

function binLabel(lo: number, hi: number, unit: boolean): string {
  if (unit) return String(lo + 0.5);
  const integerBins = Number.isInteger(lo + 0.5) && Number.isInteger(hi + 0.5);
  if (integerBins) return `${lo + 0.5}–${hi - 0.5}`;
  return `${formatNumber(lo)}–${formatNumber(hi)}`;
}

/** Short, stable text for a number: integers as is, others to 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
