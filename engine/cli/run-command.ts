import { runWorkflow, workOn, type RunOptions, type RunOutcome } from "../run/runner.ts";
import { parseWorkers, runWithWorkers } from "../run/workers.ts";
import { readReportSpec } from "../report/report-spec.ts";
import { readConfig } from "./config.ts";
import { resultsLines } from "./results-table.ts";
import { progressFor } from "./progress-for.ts";

export interface RunCommandOptions {
  readonly config?: string;
  readonly testbed?: string;
  readonly param?: Record<string, string>;
  readonly testbedOpt?: Record<string, string>;
  readonly seed?: number;
  readonly json?: boolean;
  readonly workers?: string;
  readonly dryRun?: boolean;
  readonly results: string;
}

/**
 * Prints how a run ended. Exit codes: 0 ok, 1 the run failed (testbed,
 * hosts), 2 bad input or the workflow's own code threw, 130 interrupted.
 * A failure is also one line on stderr; the archive keeps everything.
 */
export function printOutcome(outcome: RunOutcome, json: boolean): number {
  if (json) {
    process.stdout.write(`${JSON.stringify({ run: outcome.dir, status: outcome.status, error: outcome.error, summary: outcome.summary, report: outcome.report })}\n`);
  } else {
    const tail = outcome.error ? `: ${outcome.error}` : "";
    const lines = [`run ${outcome.status}${tail}`, ...resultsLines(outcome.summary, readReportSpec(outcome.dir).results), `archive: ${outcome.dir}`];
    if (outcome.report) lines.push(`report:  ${outcome.report}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  if (outcome.status === "failed") {
    const what = outcome.blame === "input" ? "workflow error" : "run failed";
    process.stderr.write(`g5k-flow: ${what}: ${(outcome.error ?? "").split("\n")[0]} (archive: ${outcome.dir})\n`);
  }
  if (outcome.status === "ok") return 0;
  if (outcome.status === "interrupted") return 130;
  return outcome.blame === "input" ? 2 : 1;
}

export async function runCommand(workflowPath: string, options: RunCommandOptions): Promise<number> {
  const json = options.json ?? false;
  const config = options.config ? readConfig(options.config) : {};
  const resolved = {
    params: { ...config.params, ...options.param },
    testbed: options.testbed ?? config.testbed ?? "sim",
    testbedOptions: { ...config.testbedOptions, ...options.testbedOpt },
    seed: options.seed ?? config.seed ?? 1,
  };
  if (options.dryRun) {
    const { dryRunCommand } = await import("./dry-run.ts");
    return dryRunCommand(workflowPath, { ...resolved, json });
  }
  const workers = options.workers === undefined ? null : parseWorkers(options.workers);
  const run: RunOptions = { workflowPath, ...resolved, resultsDir: options.results, progress: progressFor(json) };
  return printOutcome(await (workers ? runWithWorkers(run, workers) : runWorkflow(run)), json);
}

/** `g5k-flow worker <run-dir>`: plain progress lines (its output goes to a log file). */
export async function workerCommand(dir: string): Promise<number> {
  const outcome = await workOn(dir, { progress: progressFor(false), notify: (message) => process.stderr.write(`${message}\n`) });
  return printOutcome(outcome, false);
}
