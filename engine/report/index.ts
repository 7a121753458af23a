import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readManifest, readSummary } from "../archive/run-archive.ts";
import { chartData } from "./chart-data.ts";
import { pageHtml, type RenderedChart } from "./page.ts";
import { readReportSpec } from "./report-spec.ts";
import { Tables } from "./tables.ts";

/**
 * Writes `<runDir>/report.html`, a self-contained page (inline CSS and SVG,
 * no script, no fetch) with the run's facts, params, summary and the charts
 * of its `report.json`, and returns its path. A corrupt archive throws
 * UsageError; a chart without data shows why instead of failing.
 */
export async function writeReport(runDir: string): Promise<string> {
  const manifest = readManifest(runDir);
  const summary = readSummary(runDir);
  const report = readReportSpec(runDir);
  const tables = new Tables(runDir);
  const charts: RenderedChart[] = [];
  for (const [i, spec] of report.charts.entries()) {
    const data = chartData(spec, tables);
    if (data.kind === "empty") {
      charts.push({ spec, svg: null, notes: [data.reason] });
    } else {
      // echarts stays unloaded for reports without a drawable chart
      const { renderChartSvg } = await import("./render-chart.ts");
      charts.push({ spec, svg: await renderChartSvg(data, `chart${i + 1}`), notes: data.notes });
    }
  }
  const metricsDir = join(runDir, "metrics");
  const files = existsSync(metricsDir)
    ? readdirSync(metricsDir)
        .filter((f) => f.endsWith(".csv"))
        .sort()
        .map((name) => ({ name, bytes: statSync(join(metricsDir, name)).size }))
    : [];
  const path = join(runDir, "report.html");
  writeFileSync(path, pageHtml({ manifest, report, summary, charts, files }));
  return path;
}
