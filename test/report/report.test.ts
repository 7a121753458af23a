import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChartSpec } from "../../engine/dsl/workflow.ts";
import { UsageError } from "../../engine/errors.ts";
import { chartData, MAX_SCATTER_POINTS } from "../../engine/report/chart-data.ts";
import { writeReport } from "../../engine/report/index.ts";
import { renderChartSvg } from "../../engine/report/render-chart.ts";
import { boxStats } from "../../engine/report/stats.ts";
import { Tables } from "../../engine/report/tables.ts";
import { buildArchive, type Fixture, SPEC } from "./fixture.ts";

const made: string[] = [];
function archive(spec = SPEC): Fixture {
  const fixture = buildArchive(spec);
  made.push(fixture.dir);
  return fixture;
}
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const figures = (html: string): string[] => html.match(/<figure class="chart"[\s\S]*?<\/figure>/g) ?? [];
/** Texts drawn inside a chart's SVG (legend entries, axis names, tick labels). */
const svgTexts = (figure: string): string[] => [...figure.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("writeReport", async () => {
  const fixture = archive();
  const path = await writeReport(fixture.dir);
  const html = readFileSync(path, "utf8");

  it("writes report.html in the run folder and returns its path", () => {
    expect(path).toBe(join(fixture.dir, "report.html"));
    expect(html.startsWith("<!doctype html>")).toBe(true);
  });

  it("is self-contained: no script, no external resource, a CSP that refuses any fetch", () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|@import|url\(http/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it("draws one SVG per chart with data, with series legend and axis labels", () => {
    const figs = figures(html);
    expect(figs).toHaveLength(SPEC.charts.length);
    SPEC.charts.forEach((chart, i) => expect(figs[i]).toContain(`<h3>${chart.title}</h3>`));
    expect(figs.slice(0, 5).every((f) => (f.match(/<svg/g) ?? []).length === 1)).toBe(true);

    const line = svgTexts(figs[0]);
    expect(line).toEqual(expect.arrayContaining(["dvms", "entropy", "none", "physical machines", "median time to solve (s)"]));
    const bar = svgTexts(figs[1]);
    expect(bar).toEqual(expect.arrayContaining(["dvms", "entropy", "none", "violation time (s)", "500", "4000"]));
    // log axis: ticks are powers of ten
    expect(bar).toEqual(expect.arrayContaining(["10", "100", "1,000"]));
    const box = svgTexts(figs[2]);
    expect(box).toEqual(expect.arrayContaining(["dvms", "entropy", "none", "scheduler", "time to solve (s)"]));
    const hist = svgTexts(figs[3]);
    expect(hist).toEqual(expect.arrayContaining(["partition size (nodes)", "partitions", "2", "3"]));
    const scatter = svgTexts(figs[4]);
    expect(scatter).toEqual(expect.arrayContaining(["dvms", "entropy", "start (s)", "duration (s)"]));
    expect(scatter).not.toContain("none");
  });

  it("shows a no-data note instead of a chart for a missing table", () => {
    const energy = figures(html)[5];
    expect(energy).not.toContain("<svg");
    expect(energy).toContain("no data: metrics/energy.csv is missing");
  });

  it("shows the run facts, every param and the summary values (escaped)", () => {
    for (const text of ["DVMS vs Entropy", "2026-11-21T10-00-00-dvms-vs-entropy", "status-ok", "dvms-vs-entropy", "workflows/dvms-vs-entropy.ts", "latency=1ms", "2026-11-21 10:00:00 UTC"]) {
      expect(html).toContain(text);
    }
    expect(html).toMatch(/seed<\/div><div class="value">42</);
    const params = html.slice(html.indexOf("<h2>Parameters</h2>"), html.indexOf("<h2>Summary</h2>"));
    for (const [key, value] of [["pms", "500"], ["vmsPerPm", "8"], ["duration", "10min"], ["loadMean", "0.7"], ["loadStd", "0.2"], ["schedulers", "dvms, entropy, none"], ["scales", "500, 1000, 2000, 4000"]]) {
      expect(params).toMatch(new RegExp(`<th scope="row">${key}</th><td[^>]*>${value}</td>`));
    }
    const summary = html.slice(html.indexOf("<h2>Summary</h2>"), html.indexOf("<h2>Data</h2>"));
    expect(summary).toMatch(/<th scope="row">wallSeconds<\/th><td[^>]*>61.25<\/td>/);
    // sibling objects of figures become one matrix: a row per scheduler
    expect(summary).toMatch(/<th scope="row">entropy<\/th><td[^>]*>51.7<\/td><td[^>]*>48<\/td><td[^>]*>110<\/td>/);
    expect(summary).toMatch(/<h3>perScale<\/h3>[\s\S]*<h4>500<\/h4>[\s\S]*33.1/);
    expect(summary).toContain("seeded &lt;load&gt; &amp; friends");
    expect(html).not.toContain("<load>");
  });

  it("lists the metrics tables", () => {
    for (const table of ["isp", "migrations", "overloads", "scales"]) expect(html).toContain(`metrics/${table}.csv`);
  });

  it("gives every SVG element its own page-wide name", () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(SPEC.charts.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).not.toMatch(/\bzr\d+-/);
  });

  it("gives the same bytes for the same archive", async () => {
    await writeReport(fixture.dir);
    expect(readFileSync(path, "utf8")).toBe(html);
  });
});

describe("chart data", () => {
  const fixture = archive();
  const tables = new Tables(fixture.dir);
  const spec = (kind: ChartSpec["kind"], more: Partial<ChartSpec>): ChartSpec => ({ title: "t", table: "overloads", kind, x: "scheduler", y: "timeToSolve", ...more });

  it("draws boxplots from the five-number summary of the selected rows", () => {
    const data = chartData(SPEC.charts[2], tables);
    if (data.kind !== "boxplot") throw new Error(`expected a boxplot, got ${data.kind}`);
    expect(data.categories).toEqual(["dvms", "entropy", "none"]);
    expect(data.series).toHaveLength(1);
    expect(data.series[0].boxes).toEqual(data.categories.map((s) => boxStats(fixture.overloads1000[s])));
    expect(data.series[0].counts).toEqual([12, 12, 12]);
  });

  it("splits boxplots by series within each x category", () => {
    const data = chartData(spec("boxplot", { x: "scale", series: "scheduler" }), tables);
    if (data.kind !== "boxplot") throw new Error(data.kind);
    expect(data.categories).toEqual(["500", "1000", "2000", "4000"]);
    expect(data.series.map((s) => s.name)).toEqual(["dvms", "entropy", "none"]);
    expect(data.series.find((s) => s.name === "entropy")?.boxes[1]).toEqual(boxStats(fixture.overloads1000.entropy));
  });

  it("bins every partition size once, one bin per integer", () => {
    const data = chartData(SPEC.charts[3], tables);
    if (data.kind !== "histogram") throw new Error(data.kind);
    const counts = data.series[0].counts;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(fixture.ispSizes.length);
    const min = Math.min(...fixture.ispSizes);
    data.bins.forEach((label, i) => {
      expect(label).toBe(String(min + i));
      expect(counts[i]).toBe(fixture.ispSizes.filter((s) => s === min + i).length);
    });
  });

  it("draws lines through the mean of rows sharing x with its 95 % interval, sorted by x, and says so", async () => {
    const data = chartData(spec("line", { x: "scale", series: "scheduler" }), tables);
    if (data.kind !== "xy") throw new Error(data.kind);
    const entropy = data.series.find((s) => s.name === "entropy");
    const values = fixture.overloads1000.entropy;
    const mean = values.reduce((a, b) => a + b, 0) / 12;
    expect(entropy?.points.map(([x]) => x)).toEqual([500, 1000, 2000, 4000]);
    expect(entropy?.points[1][1]).toBeCloseTo(mean, 9);
    // hand-computed: mean ± t(0.975, 11) s / √12, t(0.975, 11) = 2.200985160091639
    const s = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 11);
    const [x, low, high] = entropy!.intervals[1];
    expect(x).toBe(1000);
    expect(low).toBeCloseTo(mean - (2.200985160091639 * s) / Math.sqrt(12), 6);
    expect(high).toBeCloseTo(mean + (2.200985160091639 * s) / Math.sqrt(12), 6);
    expect(data.notes).toContain("points are means of the rows sharing scale, whiskers their 95 % confidence interval (Student t)");
    // each interval is drawn: three strokes (whisker and two caps) per point
    const paths = async (d: typeof data) => ((await renderChartSvg(d, "ci")).match(/<path /g) ?? []).length;
    const strokes = data.series.reduce((n, series) => n + 3 * series.intervals.length, 0);
    expect(strokes).toBeGreaterThan(0);
    expect((await paths(data)) - (await paths({ ...data, series: data.series.map((series) => ({ ...series, intervals: [] })) }))).toBe(strokes);
  });

  it("thins big scatter plots to a bounded number of points", () => {
    const rows = Array.from({ length: 3 * MAX_SCATTER_POINTS }, (_, i) => `${i},${i % 7}`).join("\n");
    writeFileSync(join(fixture.dir, "metrics", "big.csv"), `t,v\n${rows}\n`);
    const data = chartData({ title: "big", table: "big", kind: "scatter", x: "t", y: "v" }, new Tables(fixture.dir));
    if (data.kind !== "xy") throw new Error(data.kind);
    expect(data.series[0].points.length).toBe(MAX_SCATTER_POINTS);
    // a sample, not a stride: the points stay spread over the whole x range and every y value
    const xs = data.series[0].points.map(([x]) => Number(x));
    expect(Math.min(...xs)).toBeLessThan(MAX_SCATTER_POINTS / 10);
    expect(Math.max(...xs)).toBeGreaterThan(2.9 * MAX_SCATTER_POINTS);
    expect(new Set(data.series[0].points.map(([, y]) => y)).size).toBe(7);
    expect(data.notes.join()).toContain(`a seeded random sample of ${MAX_SCATTER_POINTS} of ${3 * MAX_SCATTER_POINTS} points shown`);
  });

  it("finds a table under the file name the archive gave it", () => {
    writeFileSync(join(fixture.dir, "metrics", "per_node_load.csv"), "node,load\npm-0,0.5\npm-1,0.9\n");
    const data = chartData({ title: "load", table: "per node/load", kind: "bar", x: "node", y: "load" }, new Tables(fixture.dir));
    if (data.kind !== "xy") throw new Error(data.kind);
    expect(data.categories).toEqual(["pm-0", "pm-1"]);
    expect(data.series[0].points).toEqual([["pm-0", 0.5], ["pm-1", 0.9]]);
  });

  it("explains why a chart has no data", () => {
    const reason = (s: ChartSpec): string => {
      const data = chartData(s, tables);
      return data.kind === "empty" ? data.reason : `drawn as ${data.kind}`;
    };
    expect(reason(spec("bar", { table: "nope" }))).toBe("no data: metrics/nope.csv is missing");
    expect(reason(spec("bar", { y: "energy" }))).toBe("no data: metrics/overloads.csv has no column 'energy'");
    expect(reason(spec("bar", { where: { scale: 123 } }))).toBe("no data: no row of metrics/overloads.csv with scale = 123");
    expect(reason(spec("bar", { y: "node" }))).toBe("no data: no numeric 'node' in metrics/overloads.csv");
    // table names map to files as the archive names them, never outside metrics/
    expect(reason(spec("bar", { table: "../manifest" }))).toBe("no data: metrics/__manifest.csv is missing");
  });

  it("leaves non-positive values out of a log axis and says how many", () => {
    const data = chartData({ title: "m", table: "scales", kind: "bar", x: "scale", y: "migrations", series: "scheduler", logY: true }, tables);
    if (data.kind !== "xy") throw new Error(data.kind);
    expect(data.series.map((s) => s.name)).toEqual(["dvms", "entropy"]);
    expect(data.notes).toContain("4 rows without a positive numeric migrations left out");
  });
});

describe("corrupt archives", () => {
  const expectUsage = async (dir: string, message: RegExp): Promise<void> => {
    const error = await writeReport(dir).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  };

  it("rejects a folder without manifest", async () => {
    const dir = archive().dir;
    rmSync(join(dir, "manifest.json"));
    await expectUsage(dir, /not a g5k-flow run archive: .*manifest.json missing/);
  });

  it("rejects a report.json that is not JSON or not a ReportSpec", async () => {
    const dir = archive().dir;
    writeFileSync(join(dir, "report.json"), "{ charts: [");
    await expectUsage(dir, /^corrupt run archive: report.json is not valid JSON$/);
    writeFileSync(join(dir, "report.json"), JSON.stringify({ charts: [{ ...SPEC.charts[0], kind: "pie" }] }));
    await expectUsage(dir, /^corrupt run archive: report.json field 'charts.0.kind'/);
  });

  it("rejects a malformed CSV with its file name", async () => {
    const dir = archive().dir;
    writeFileSync(join(dir, "metrics", "scales.csv"), 'scale,scheduler\n500,"dvms\n');
    await expectUsage(dir, /^corrupt run archive: metrics\/scales.csv: /);
  });

  it("draws no chart but still writes the page when report.json is absent", async () => {
    const dir = archive().dir;
    rmSync(join(dir, "report.json"));
    mkdirSync(join(dir, "metrics"), { recursive: true });
    const html = readFileSync(await writeReport(dir), "utf8");
    expect(figures(html)).toEqual([]);
    expect(html).toContain("The workflow declares no charts.");
  });
});
