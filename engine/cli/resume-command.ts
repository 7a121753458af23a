import { resumeRun } from "../run/runner.ts";
import { progressFor } from "./progress-for.ts";
import { printOutcome } from "./run-command.ts";

export async function resumeCommand(dir: string, options: { testbedOpt?: Record<string, string>; json?: boolean }): Promise<number> {
  const json = options.json ?? false;
  const outcome = await resumeRun(dir, {
    testbedOptions: options.testbedOpt ?? {},
    progress: progressFor(json),
  });
  return printOutcome(outcome, json);
}
