import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../errors.ts";
import { collectPair, DEFAULT_RESULTS, parsePositive, parseSeed } from "./options.ts";

/**
 * The `g5k-flow` command line. Command modules are imported inside their
 * actions so `--help` stays fast.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("g5k-flow")
    .description("Typed, reproducible VM experiment workflows on simulated, local and Grid'5000 testbeds.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError(false)
    .exitOverride();

  const results = (): Option => new Option("--results <dir>", "folder of run archives").default(DEFAULT_RESULTS);

  program
    .command("run")
    .description("run a workflow and archive it under results/")
    .argument("<workflow>", "workflow file (.ts)")
    .option("--testbed <name>", "testbed: sim, local, g5k, ssh (default: sim)")
    .option("--param <key=value>", "set a workflow param (repeatable)", collectPair)
    .option("--testbed-opt <key=value>", "set a testbed option (repeatable)", collectPair)
    .option("--seed <n>", "seed of every random stream (default: 1)", parseSeed)
    .option("--config <file.yaml>", "experiment config: testbed, seed, params, testbedOptions (flags win)")
    .option("--json", "print only the final summary JSON on stdout")
    .addOption(results())
    .action(async (workflow: string, opts) => {
      const { runCommand } = await import("./run-command.ts");
      setExit(await runCommand(workflow, opts));
    });

  program
    .command("rerun")
    .description("rerun an archived run (same source, params, seed) and compare summaries")
    .argument("<run-dir>", "run archive folder")
    .option("--testbed <name>", "run on another testbed than the archived one")
    .option("--testbed-opt <key=value>", "set a testbed option (repeatable)", collectPair)
    .option("--json", "print only the comparison JSON on stdout")
    .addOption(new Option("--results <dir>", "folder for the new archive (default: beside the original)"))
    .action(async (dir: string, opts) => {
      const { rerunCommand } = await import("./rerun-command.ts");
      setExit(await rerunCommand(dir, opts));
    });

  program
    .command("resume")
    .description("continue a failed or interrupted run: completed steps are skipped, the journal goes on")
    .argument("<run-dir>", "run archive folder")
    .option("--testbed-opt <key=value>", "set a testbed option, e.g. a secret that was not archived (repeatable)", collectPair)
    .option("--json", "print only the final summary JSON on stdout")
    .action(async (dir: string, opts) => {
      const { resumeCommand } = await import("./resume-command.ts");
      setExit(await resumeCommand(dir, opts));
    });

  program
    .command("sweep")
    .description("inspect a run's parameter sweeps")
    .command("status")
    .description("points of each sweep: todo, in progress, done, skipped, failed")
    .argument("<run-dir>", "run archive folder")
    .option("--json", "print as JSON")
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { sweepStatusCommand } = await import("./sweep-command.ts");
      setExit(sweepStatusCommand(dir, opts.json ?? false));
    });

  program
    .command("list")
    .description("list archived runs")
    .addOption(results())
    .action(async (opts: { results: string }) => {
      const { listCommand } = await import("./archive-commands.ts");
      setExit(listCommand(opts.results));
    });

  program
    .command("show")
    .description("show one archived run: manifest, steps, summary")
    .argument("<run-dir>", "run archive folder")
    .option("--json", "print as JSON")
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { showCommand } = await import("./archive-commands.ts");
      setExit(showCommand(dir, opts.json ?? false));
    });

  program
    .command("report")
    .description("write a run's self-contained report.html (charts, params, summary) and print its path")
    .argument("<run-dir>", "run archive folder")
    .action(async (dir: string) => {
      const { reportCommand } = await import("./report-command.ts");
      setExit(await reportCommand(dir));
    });

  program
    .command("solve")
    .description("solve a BtrPlace placement instance with the Entropy solver")
    .argument("<instance>", "instance file (.json or .json.gz)")
    .option("--time-limit <seconds>", "solver time limit", parsePositive("--time-limit"), 10)
    .option("--out <file>", "write the plan (mapping and actions) as JSON")
    .option("--json", "print only the stats JSON on stdout")
    .action(async (instance: string, opts: { timeLimit: number; out?: string; json?: boolean }) => {
      const { solveCommand } = await import("./solve-command.ts");
      setExit(await solveCommand(instance, opts));
    });

  const testbed = program.command("testbed").description("prepare or clean up a testbed on this machine");
  for (const [verb, description] of [
    ["setup", "install what the testbed needs (idempotent)"],
    ["down", "tear down everything the testbed started"],
  ] as const) {
    testbed
      .command(verb)
      .description(description)
      .argument("<name>", "testbed name, e.g. local")
      .action(async (name: string) => {
        const { testbedCommand } = await import("./testbed-command.ts");
        setExit(await testbedCommand(verb, name));
      });
  }
  return program;
}

/** Runs the CLI; returns the exit code. Bad input: one line on stderr, code 2. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version print and exit 0; any parsing error is bad input
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`g5k-flow: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`g5k-flow: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
