import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { compareSummaries } from "../archive/compare.ts";
import { readManifest, readSummary } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";
import { archivedOptions, archivedSource, runWorkflow } from "../run/runner.ts";
import { progressFor } from "./progress-for.ts";

export interface RerunOptions {
  readonly testbed?: string;
  readonly testbedOpt?: Record<string, string>;
  readonly json?: boolean;
  readonly results?: string;
}

/**
 * Reruns an archived run from its archived source, params and seed, then
 * compares summaries: exit 0 when identical, 1 with the differences listed.
 */
export async function rerunCommand(dir: string, options: RerunOptions): Promise<number> {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  const source = archivedSource(dir, manifest.workflow.source, manifest.workflow.sourceSha256);
  const original = readSummary(dir);
  if (!original) throw new UsageError(`run ${manifest.id} has no summary.json to compare with (status ${manifest.status})`);
  const json = options.json ?? false;
  const outcome = await runWorkflow({
    workflowPath: source,
    params: manifest.params,
    seed: manifest.seed,
    testbed: options.testbed ?? manifest.testbed.kind,
    testbedOptions: { ...archivedOptions(manifest.testbed.options), ...options.testbedOpt },
    resultsDir: options.results ?? dirname(dir),
    progress: progressFor(json),
    notify: (message) => process.stderr.write(`${message}\n`),
  });
  if (outcome.status !== "ok") {
    process.stdout.write(json ? `${JSON.stringify({ original: dir, rerun: outcome.dir, status: outcome.status, error: outcome.error })}\n` : `rerun ${outcome.status}: ${outcome.error}\narchive: ${outcome.dir}\n`);
    return outcome.status === "interrupted" ? 130 : 1;
  }
  const differences = compareSummaries(original, outcome.summary);
  if (json) {
    process.stdout.write(`${JSON.stringify({ original: dir, rerun: outcome.dir, identical: differences.length === 0, differences })}\n`);
  } else if (differences.length === 0) {
    process.stdout.write(`identical: the rerun's summary matches ${manifest.id} exactly\narchive: ${outcome.dir}\n`);
  } else {
    const lines = differences.map((d) => `  ${d.path}: ${JSON.stringify(d.original)} -> ${JSON.stringify(d.rerun)}`);
    process.stdout.write(`different: ${differences.length} summary field(s) differ from ${manifest.id}\n${lines.join("\n")}\narchive: ${outcome.dir}\n`);
  }
  return differences.length === 0 ? 0 : 1;
}
