import { existsSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { compareSummaries } from "../archive/compare.ts";
import { readManifest, readSummary } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";
import { engineDifference } from "../run/engine-info.ts";
import { archivedOptions, archivedSource, runWorkflow } from "../run/runner.ts";
import { progressFor } from "./progress-for.ts";
import { unpackArtifact } from "./unpack.ts";

export interface RerunOptions {
  readonly testbed?: string;
  readonly testbedOpt?: Record<string, string>;
  readonly json?: boolean;
  readonly results?: string;
  /** Where the rerun of a packed artifact is archived when `results` is not given. */
  readonly defaultResults?: string;
}

/**
 * Reruns an archived run (a run folder, or an artifact made by `pack`) from
 * its archived source, params and seed, then compares summaries: exit 0 when
 * identical, 1 with the differences listed. A run made by another engine
 * version or lockfile is said so in one line on stderr.
 */
export async function rerunCommand(path: string, options: RerunOptions): Promise<number> {
  if (!existsSync(path)) throw new UsageError(`no such run directory or artifact: ${path}`);
  if (!statSync(path).isFile()) return rerunDir(path, path, dirname(path), options);
  const dir = await unpackArtifact(path);
  try {
    return await rerunDir(dir, path, options.defaultResults ?? "results", options);
  } finally {
    // the rerun keeps its own copy of the source: the unpacked artifact can go
    rmSync(dirname(dirname(dir)), { recursive: true, force: true });
  }
}

async function rerunDir(dir: string, path: string, defaultResults: string, options: RerunOptions): Promise<number> {
  const manifest = readManifest(dir);
  const difference = engineDifference(manifest.engine);
  if (difference) process.stderr.write(`g5k-flow: note: ${difference}\n`);
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
    resultsDir: options.results ?? defaultResults,
    progress: progressFor(json),
  });
  if (outcome.status !== "ok") {
    process.stdout.write(json ? `${JSON.stringify({ original: path, rerun: outcome.dir, status: outcome.status, error: outcome.error })}\n` : `rerun ${outcome.status}: ${outcome.error}\narchive: ${outcome.dir}\n`);
    return outcome.status === "interrupted" ? 130 : 1;
  }
  const differences = compareSummaries(original, outcome.summary);
  if (json) {
    process.stdout.write(`${JSON.stringify({ original: path, rerun: outcome.dir, identical: differences.length === 0, differences, engineDifference: difference })}\n`);
  } else if (differences.length === 0) {
    process.stdout.write(`identical: the rerun's summary matches ${manifest.id} exactly\narchive: ${outcome.dir}\n`);
  } else {
    const lines = differences.map((d) => `  ${d.path}: ${JSON.stringify(d.original)} -> ${JSON.stringify(d.rerun)}`);
    process.stdout.write(`different: ${differences.length} summary field(s) differ from ${manifest.id}\n${lines.join("\n")}\narchive: ${outcome.dir}\n`);
  }
  return differences.length === 0 ? 0 : 1;
}
