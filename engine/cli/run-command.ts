import { runWorkflow, type RunOutcome } from "../run/runner.ts";
import { readConfig } from "./config.ts";
import { progressFor } from "./progress-for.ts";

export interface RunCommandOptions {
  readonly config?: string;
  readonly testbed?: string;
  readonly param?: Record<string, string>;
  readonly testbedOpt?: Record<string, string>;
  readonly seed?: number;
  readonly json?: boolean;
  readonly results: string;
}

export function printOutcome(outcome: RunOutcome, json: boolean): number {
  if (json) {
    process.stdout.write(`${JSON.stringify({ run: outcome.dir, status: outcome.status, error: outcome.error, summary: outcome.summary })}\n`);
  } else {
    const tail = outcome.error ? `: ${outcome.error}` : "";
    process.stdout.write(`run ${outcome.status}${tail}\narchive: ${outcome.dir}\n`);
  }
  return outcome.status === "ok" ? 0 : outcome.status === "interrupted" ? 130 : 1;
}

export async function runCommand(workflowPath: string, options: RunCommandOptions): Promise<number> {
  const json = options.json ?? false;
  const config = options.config ? readConfig(options.config) : {};
  const outcome = await runWorkflow({
    workflowPath,
    params: { ...config.params, ...options.param },
    testbed: options.testbed ?? config.testbed ?? "sim",
    testbedOptions: { ...config.testbedOptions, ...options.testbedOpt },
    seed: options.seed ?? config.seed ?? 1,
    resultsDir: options.results,
    progress: progressFor(json),
    notify: (message) => process.stderr.write(`${message}\n`),
  });
  return printOutcome(outcome, json);
}
