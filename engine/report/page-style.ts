/** The report's stylesheet, inlined: the page loads nothing. */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --card: #fff; --bg: #f1f5f9; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { background: linear-gradient(120deg, #0f172a, #1e3a8a); color: #fff; padding: 28px 0 24px; }
.wrap { max-width: 1360px; margin: 0 auto; padding: 0 28px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header .sub { color: #cbd5e1; font-size: 13px; display: flex; gap: 14px; flex-wrap: wrap; align-items: center; }
header code { color: #e2e8f0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; }
.status-ok { background: #dcfce7; color: #166534; }
.status-failed { background: #fee2e2; color: #991b1b; }
.status-interrupted { background: #fef3c7; color: #92400e; }
.status-running { background: #dbeafe; color: #1e40af; }
main.wrap { padding-top: 24px; padding-bottom: 40px; }
h2 { font-size: 18px; margin: 32px 0 12px; font-weight: 650; }
h3 { font-size: 15px; margin: 18px 0 8px; font-weight: 600; }
h4, h5, h6 { font-size: 14px; margin: 14px 0 6px; color: #334155; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.fact { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.fact .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.06em; }
.fact .value { font-size: 15px; font-weight: 550; overflow-wrap: anywhere; }
.fact .detail { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; border-radius: 10px; padding: 10px 14px; margin-top: 12px; white-space: pre-wrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 600px), 1fr)); gap: 18px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px 10px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, 0.05); }
figure.chart h3 { margin: 0 0 6px; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.nodata { display: flex; align-items: center; justify-content: center; min-height: 140px; color: var(--muted);
  background: repeating-linear-gradient(45deg, #f8fafc, #f8fafc 10px, #f1f5f9 10px, #f1f5f9 20px); border-radius: 8px; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2fr); gap: 18px; align-items: start; }
@media (max-width: 900px) { .columns { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 18px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
tbody tr:last-child th, tbody tr:last-child td { border-bottom: none; }
table.kv th { color: #334155; font-weight: 550; white-space: nowrap; }
table.matrix thead th { color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 2px solid var(--line); }
table.matrix td.num { text-align: right; }
table.matrix { margin: 6px 0 10px; }
table.kv { margin-bottom: 6px; }
.scroll { overflow-x: auto; }
section.sub { margin-left: 4px; padding-left: 14px; border-left: 3px solid var(--line); }
pre { background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; padding: 10px; overflow-x: auto; font-size: 12px; }
.muted { color: var(--muted); }
ul.files { margin: 0; padding-left: 18px; columns: 2; }
footer { color: var(--muted); font-size: 12px; padding: 0 0 28px; }
`;
