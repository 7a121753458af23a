import type { Manifest } from "../archive/manifest.ts";
import type { ChartSpec, ReportSpec } from "../dsl/workflow.ts";
import { escapeHtml, keyValueTable } from "./html.ts";
import { PAGE_CSS } from "./page-style.ts";
import { summaryHtml } from "./summary-html.ts";

/** One chart, drawn (an inline SVG) or not (the reason). */
export interface RenderedChart {
  readonly spec: ChartSpec;
  readonly svg: string | null;
  readonly notes: readonly string[];
}

export interface PageInput {
  readonly manifest: Manifest;
  readonly report: ReportSpec;
  readonly summary: unknown;
  readonly charts: readonly RenderedChart[];
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
}

function duration(start: string, end: string | null): string {
  if (!end) return "–";
  const seconds = Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000);
  if (!Number.isFinite(seconds)) return "–";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

/** ISO time as "2026-11-21 10:00:00 UTC"; anything unparsable as given. */
function when(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC` : iso;
}

function fact(label: string, value: string, detail = ""): string {
  return `<div class="fact"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${
    detail ? `<div class="detail">${escapeHtml(detail)}</div>` : ""
  }</div>`;
}

function chartHtml(chart: RenderedChart, index: number): string {
  const body = chart.svg ?? `<div class="nodata">${escapeHtml(chart.notes.join("; "))}</div>`;
  const caption = chart.svg && chart.notes.length > 0 ? `<figcaption>${escapeHtml(chart.notes.join(" · "))}</figcaption>` : "";
  return `<figure class="chart" id="chart-${index + 1}" data-kind="${escapeHtml(chart.spec.kind)}"><h3>${escapeHtml(chart.spec.title)}</h3>${body}${caption}</figure>`;
}

const kib = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

/** The whole page. A strict CSP makes "self-contained" checkable: any fetch would be refused. */
export function pageHtml({ manifest, report, summary, charts, files }: PageInput): string {
  const m = manifest;
  const title = report.title ?? m.workflow.name;
  const testbedOptions = Object.entries(m.testbed.options).map(([k, v]) => `${k}=${v}`).join(" ");
  const params = Object.entries(m.params);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(`${title} — ${m.id}`)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><div class="wrap">
<h1>${escapeHtml(title)}</h1>
<div class="sub"><span class="badge status-${escapeHtml(m.status)}">${escapeHtml(m.status)}</span><span>run <code>${escapeHtml(m.id)}</code></span><span>testbed <code>${escapeHtml(m.testbed.kind)}</code></span><span>seed <code>${m.seed}</code></span></div>
</div></header>
<main class="wrap">
<section class="facts">
${fact("workflow", m.workflow.name, m.workflow.path)}
${fact("testbed", m.testbed.kind, testbedOptions)}
${fact("seed", String(m.seed))}
${fact("started", when(m.start))}
${fact("ended", m.end ? when(m.end) : "–", `duration ${duration(m.start, m.end)}`)}
${fact("hosts", String(m.hosts.length), `engine ${m.engine.version} · node ${m.engine.node}`)}
</section>
${m.error ? `<div class="error">${escapeHtml(m.error)}</div>` : ""}
<h2>Figures</h2>
${charts.length > 0 ? `<div class="charts">\n${charts.map(chartHtml).join("\n")}\n</div>` : `<p class="muted">The workflow declares no charts.</p>`}
<div class="columns">
<section><h2>Parameters</h2>
<div class="card params">${params.length > 0 ? keyValueTable(params) : `<p class="muted">none</p>`}</div></section>
<section><h2>Summary</h2>
<div class="card summary">${summary === null ? `<p class="muted">no summary.json</p>` : summaryHtml(summary)}</div></section>
</div>
<h2>Data</h2>
<div class="card">${
    files.length > 0
      ? `<ul class="files">${files.map((f) => `<li><code>metrics/${escapeHtml(f.name)}</code> <span class="muted">${kib(f.bytes)}</span></li>`).join("")}</ul>`
      : `<p class="muted">no metrics tables</p>`
  }</div>
</main>
<footer class="wrap">g5k-flow report of run ${escapeHtml(m.id)}</footer>
</body>
</html>
`;
}
