import type { EChartsCoreOption } from "echarts/core";
import type { ChartData } from "./chart-data.ts";

const CHART_WIDTH = 640;
const CHART_HEIGHT = 380;

const PALETTE = ["#2563eb", "#dc2626", "#059669", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
const INK = "#334155";
const GRID_LINE = "#e2e8f0";

type Drawable = Exclude<ChartData, { kind: "empty" }>;
type Echarts = typeof import("echarts/core");

/**
 * ECharts' prebuilt single-file bundle: it loads in a fraction of the time the
 * hundreds of modules behind `echarts/core` take (each goes through the tsx
 * loader). Named through a variable because the bundle ships no typings; its
 * API is the one `echarts/core` types.
 */
const ECHARTS_BUNDLE = "echarts/dist/echarts.esm.min.mjs";

let echartsReady: Promise<Echarts> | undefined;

/** ECharts is loaded on first use only. */
function loadEcharts(): Promise<Echarts> {
  echartsReady ??= import(ECHARTS_BUNDLE).then((bundle: unknown) => bundle as Echarts);
  return echartsReady;
}

function axis(name: string, extra: Record<string, unknown>, vertical: boolean): Record<string, unknown> {
  return {
    name,
    nameLocation: "middle",
    nameGap: vertical ? 52 : 30,
    nameTextStyle: { fontSize: 13, fontWeight: 600, color: INK },
    axisLabel: { color: "#475569", fontSize: 11, hideOverlap: true },
    axisLine: { lineStyle: { color: "#94a3b8" } },
    splitLine: { lineStyle: { color: GRID_LINE } },
    ...extra,
  };
}

const valueAxis = (name: string, log: boolean, vertical: boolean): Record<string, unknown> =>
  axis(name, { type: log ? "log" : "value", scale: false }, vertical);

const categoryAxis = (name: string, data: readonly string[]): Record<string, unknown> =>
  axis(name, { type: "category", data, axisTick: { alignWithLabel: true }, splitLine: { show: false } }, false);

/** Boxes filled with a light tint of their outline colour. */
function boxStyle(index: number): Record<string, unknown> {
  const color = PALETTE[index % PALETTE.length];
  return { color: `${color}26`, borderColor: color, borderWidth: 1.8 };
}

function seriesOption(data: Drawable): { xAxis: Record<string, unknown>; series: Record<string, unknown>[] } {
  switch (data.kind) {
    case "histogram":
      return {
        xAxis: categoryAxis(data.xLabel, data.bins),
        series: data.series.map((s) => ({ type: "bar", name: s.name, data: s.counts, barGap: "5%", barCategoryGap: "12%" })),
      };
    case "boxplot":
      return {
        xAxis: categoryAxis(data.xLabel, data.categories),
        series: data.series.map((s, i) => ({
          type: "boxplot",
          name: s.name,
          boxWidth: [10, 56],
          itemStyle: boxStyle(i),
          data: s.boxes.map((b, c) => ({
            value: b ? [b.min, b.q1, b.median, b.q3, b.max] : [],
            ...(data.colorByCategory ? { itemStyle: boxStyle(c) } : {}),
          })),
        })),
      };
    case "xy":
      return {
        xAxis: data.categories ? categoryAxis(data.xLabel, data.categories) : valueAxis(data.xLabel, false, false),
        series: [
          ...data.series.map((s) => ({
            type: data.chart,
            name: s.name,
            data: s.points.map(([x, y]) => [x, y]),
            ...(data.chart === "line" ? { symbol: "circle", symbolSize: 7, lineStyle: { width: 2.4 } } : {}),
            ...(data.chart === "scatter" ? { symbolSize: 6, itemStyle: { opacity: 0.7 }, large: true, largeThreshold: 400 } : {}),
            ...(data.chart === "bar" ? { barGap: "10%", barMaxWidth: 48 } : {}),
          })),
          ...data.series.flatMap((s, i) => (s.intervals.length > 0 ? [whiskers(s.name, s.intervals, PALETTE[i % PALETTE.length])] : [])),
        ],
      };
  }
}

/** Minimal view of ECharts' custom-series API that the whiskers use. */
interface CustomApi {
  value(dimension: number): number | string;
  coord(point: readonly (number | string)[]): number[];
}

const WHISKER_CAP = 5;

/** Confidence intervals as vertical whiskers with caps, in the series' colour, under the same legend entry. */
function whiskers(name: string, intervals: readonly (readonly [number | string, number, number])[], color: string): Record<string, unknown> {
  return {
    type: "custom",
    name,
    data: intervals.map(([x, low, high]) => [x, low, high]),
    z: 1,
    renderItem: (_params: unknown, api: CustomApi) => {
      const [x0, y0] = api.coord([api.value(0), api.value(1)]);
      const [, y1] = api.coord([api.value(0), api.value(2)]);
      const style = { stroke: color, lineWidth: 1.6 };
      const line = (x1: number, ya: number, x2: number, yb: number) => ({ type: "line", shape: { x1, y1: ya, x2, y2: yb }, style });
      return { type: "group", children: [line(x0, y0, x0, y1), line(x0 - WHISKER_CAP, y0, x0 + WHISKER_CAP, y0), line(x0 - WHISKER_CAP, y1, x0 + WHISKER_CAP, y1)] };
    },
  };
}

/**
 * Renames the ids and classes zrender numbers per process ("zr3-c0",
 * "zr3-cls-12") in order of appearance, leaving the text drawn untouched.
 */
function stableNames(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  const rename = (part: string): string =>
    part.replace(/\bzr\d+-[\w-]+/g, (token) => {
      if (!names.has(token)) names.set(token, `${prefix}-${names.size}`);
      return names.get(token) ?? token;
    });
  return svg
    .split(/(<text\b[^>]*>[^<]*<\/text>)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/^<text\b[^>]*>/, rename) : rename(part)))
    .join("");
}

/**
 * The chart as an inline SVG string, rendered server-side: the page needs no
 * script. Generated names start with `idPrefix`, so they stay unique in the
 * page and the same archive gives the same bytes.
 */
export async function renderChartSvg(data: Drawable, idPrefix: string): Promise<string> {
  const echarts = await loadEcharts();
  const { xAxis, series } = seriesOption(data);
  const option: EChartsCoreOption = {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: FONT, color: INK },
    legend: { show: !(data.kind === "boxplot" && data.colorByCategory), top: 4, left: "center", icon: "roundRect", itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 12, color: INK } },
    grid: { left: 64, right: 28, top: 44, bottom: 48, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
    xAxis,
    yAxis: valueAxis(data.yLabel, data.logY, true),
    series,
  };
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption(option);
    return stableNames(chart.renderToSVGString(), idPrefix);
  } finally {
    chart.dispose();
  }
}
