import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readJournal, readManifest, readSummary } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";
import { readReportSpec } from "../report/report-spec.ts";
import { resultsLines } from "./results-table.ts";

/** `g5k-flow list`: archived runs, newest first. */
export function listCommand(resultsDir: string): number {
  if (!existsSync(resultsDir)) {
    process.stdout.write(`no runs in ${resultsDir}\n`);
    return 0;
  }
  const rows = readdirSync(resultsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(resultsDir, d.name, "manifest.json")))
    .map((d) => {
      try {
        const m = readManifest(join(resultsDir, d.name));
        return `${d.name}  ${m.status.padEnd(11)}  ${m.workflow.name}  testbed=${m.testbed.kind} seed=${m.seed}`;
      } catch (error) {
        return `${d.name}  unreadable   ${error instanceof Error ? error.message : String(error)}`;
      }
    })
    .sort()
    .reverse();
  process.stdout.write(rows.length ? `${rows.join("\n")}\n` : `no runs in ${resultsDir}\n`);
  return 0;
}

/** `g5k-flow show <run-dir>`: manifest, steps and summary of one run. */
export function showCommand(dir: string, json: boolean): number {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  const summary = readSummary(dir);
  const steps = readJournal(dir).filter((e) => e.event === "step-end");
  if (json) {
    process.stdout.write(`${JSON.stringify({ manifest, steps, summary })}\n`);
    return 0;
  }
  const lines = [
    `run       ${manifest.id}`,
    `workflow  ${manifest.workflow.name} (${manifest.workflow.path})`,
    `status    ${manifest.status}${manifest.error ? ` — ${manifest.error}` : ""}`,
    `testbed   ${manifest.testbed.kind}   seed ${manifest.seed}   hosts ${manifest.hosts.length}`,
    `started   ${manifest.start}   ended ${manifest.end ?? "-"}`,
    `params    ${Object.entries(manifest.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`,
    "steps",
    ...steps.map((s) => `  ${String(s.status).padEnd(11)} ${Number(s.seconds).toFixed(2).padStart(8)}s  ${s.step}${s.error ? `  (${s.error})` : ""}`),
  ];
  // the results table where the summary has figures (all of it with --json)
  const results = resultsLines(summary, readReportSpec(dir).results);
  lines.push(...(results.length ? results : ["summary   -"]));
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
