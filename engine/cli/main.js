// @ts-check
/**
 * The `g5k-flow` command line. This file and options.js are plain JavaScript
 * so that `--help` and argument errors answer without starting the
 * TypeScript loader (about 0.2 s); the commands load their TypeScript
 * modules through `loadTypeScript` when they run.
 */
import { Command, CommanderError, Option } from "commander";
import { collectPair, commanderExitCode, DEFAULT_RESULTS, parsePositive, parseSeed } from "./options.js";

/** @type {Promise<void> | null} */
let typescript = null;

/**
 * Plugin modules the entry point composes the engine with (bin/g5k-flow.js:
 * the bundled plugins); the engine itself never imports a plugin by path.
 * @type {readonly string[]}
 */
let pluginModules = [];

/**
 * Registers tsx (TypeScript at run time, no build step), the `g5k-flow`
 * import resolution for workflows, the entry point's plugin modules and any
 * extra ones named in G5K_FLOW_PLUGINS. Once per process.
 */
export function loadTypeScript() {
  typescript ??= (async () => {
    const { register } = await import("tsx/esm/api");
    const { register: registerHooks } = await import("node:module");
    const { resolve } = await import("node:path");
    const { pathToFileURL } = await import("node:url");
    register();
    registerHooks("./resolve-hook.js", import.meta.url);
    for (const url of pluginModules) await import(url);
    for (const path of (process.env.G5K_FLOW_PLUGINS ?? "").split(",").filter(Boolean)) {
      try {
        await import(pathToFileURL(resolve(path)).href);
      } catch (error) {
        const { UsageError } = await import("../errors.ts");
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new UsageError(`plugin module ${path} (G5K_FLOW_PLUGINS) failed to load: ${reason}`);
      }
    }
  })();
  return typescript;
}

/**
 * @template T
 * @param {string} path module path relative to this file
 * @returns {Promise<T>}
 */
async function command(path) {
  await loadTypeScript();
  return import(path);
}

/**
 * @param {(code: number) => void} setExit
 * @returns {Command}
 */
export function buildProgram(setExit) {
  const program = new Command("g5k-flow")
    .description("Typed, reproducible VM experiment workflows on simulated, local and Grid'5000 testbeds.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError(false)
    .exitOverride();

  const results = () => new Option("--results <dir>", "folder of run archives").default(DEFAULT_RESULTS);

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
    .option("--workers <kind:N>", "run the sweeps' points in N workers: local:N processes here, oar:N OAR jobs (testbed setup local --oar)")
    .option("--dry-run", "validate params and options, list the steps and sweep points with the nodes, VMs and walltime they ask for; reserve nothing, archive nothing")
    .addOption(results())
    .action(async (workflow, opts) => {
      const { runCommand } = /** @type {typeof import("./run-command.ts")} */ (await command("./run-command.ts"));
      setExit(await runCommand(workflow, opts));
    });

  program
    .command("worker")
    .description("work on a running run's sweep points (started by run --workers)")
    .argument("<run-dir>", "run archive folder")
    .action(async (dir) => {
      const { workerCommand } = /** @type {typeof import("./run-command.ts")} */ (await command("./run-command.ts"));
      setExit(await workerCommand(dir));
    });

  program
    .command("describe")
    .description("show a workflow's description and params (type, default, bounds) without running it")
    .argument("<workflow>", "workflow file (.ts)")
    .option("--json", "print as JSON")
    .action(async (workflow, opts) => {
      const { describeCommand } = /** @type {typeof import("./describe-command.ts")} */ (await command("./describe-command.ts"));
      setExit(await describeCommand(workflow, { json: opts.json ?? false }));
    });

  program
    .command("rerun")
    .description("rerun an archived run or a packed artifact (same source, params, seed) and compare summaries")
    .argument("<run>", "run archive folder, or an artifact .tar.gz made by pack")
    .option("--testbed <name>", "run on another testbed than the archived one")
    .option("--testbed-opt <key=value>", "set a testbed option (repeatable)", collectPair)
    .option("--json", "print only the comparison JSON on stdout")
    .addOption(new Option("--results <dir>", "folder for the new archive (default: beside the original)"))
    .action(async (dir, opts) => {
      const { rerunCommand } = /** @type {typeof import("./rerun-command.ts")} */ (await command("./rerun-command.ts"));
      setExit(await rerunCommand(dir, { ...opts, defaultResults: DEFAULT_RESULTS }));
    });

  program
    .command("compare")
    .description("summaries of two or more runs side by side; repetitions (same config, other seeds): mean, 95 % CI, Welch's t-test")
    .argument("<runs...>", "run archive folders")
    .option("--json", "print as JSON")
    .action(async (dirs, opts) => {
      const { compareCommand } = /** @type {typeof import("./compare-command.ts")} */ (await command("./compare-command.ts"));
      setExit(compareCommand(dirs, opts.json ?? false));
    });

  program
    .command("pack")
    .description("pack a run into one self-contained .tar.gz: archive, lockfile, engine version, README with the rerun command, RO-Crate metadata")
    .argument("<run-dir>", "run archive folder")
    .option("--out <file>", "artifact to write (default: <run-id>.tar.gz here)")
    .action(async (dir, opts) => {
      const { packCommand } = /** @type {typeof import("./pack-command.ts")} */ (await command("./pack-command.ts"));
      setExit(await packCommand(dir, opts));
    });

  program
    .command("resume")
    .description("continue a failed or interrupted run: completed steps are skipped, the journal goes on")
    .argument("<run-dir>", "run archive folder")
    .option("--testbed-opt <key=value>", "set a testbed option, e.g. a secret that was not archived (repeatable)", collectPair)
    .option("--json", "print only the final summary JSON on stdout")
    .action(async (dir, opts) => {
      const { resumeCommand } = /** @type {typeof import("./resume-command.ts")} */ (await command("./resume-command.ts"));
      setExit(await resumeCommand(dir, opts));
    });

  program
    .command("sweep")
    .description("inspect a run's parameter sweeps")
    .command("status")
    .description("points of each sweep: todo, in progress, done, skipped, failed")
    .argument("<run-dir>", "run archive folder")
    .option("--json", "print as JSON")
    .action(async (dir, opts) => {
      const { sweepStatusCommand } = /** @type {typeof import("./sweep-command.ts")} */ (await command("./sweep-command.ts"));
      setExit(sweepStatusCommand(dir, opts.json ?? false));
    });

  program
    .command("list")
    .description("list archived runs")
    .addOption(results())
    .action(async (opts) => {
      const { listCommand } = /** @type {typeof import("./archive-commands.ts")} */ (await command("./archive-commands.ts"));
      setExit(listCommand(opts.results));
    });

  program
    .command("show")
    .description("show one archived run: manifest, steps, summary")
    .argument("<run-dir>", "run archive folder")
    .option("--json", "print as JSON")
    .action(async (dir, opts) => {
      const { showCommand } = /** @type {typeof import("./archive-commands.ts")} */ (await command("./archive-commands.ts"));
      setExit(showCommand(dir, opts.json ?? false));
    });

  program
    .command("report")
    .description("write a run's self-contained report.html (charts, params, summary) and print its path")
    .argument("<run-dir>", "run archive folder")
    .action(async (dir) => {
      const { reportCommand } = /** @type {typeof import("./report-command.ts")} */ (await command("./report-command.ts"));
      setExit(await reportCommand(dir));
    });

  program
    .command("solve")
    .description("solve a BtrPlace placement instance with the Entropy solver")
    .argument("<instance>", "instance file (.json or .json.gz)")
    .option("--time-limit <seconds>", "solver time limit", parsePositive("--time-limit"), 10)
    .option("--out <file>", "write the plan (mapping and actions) as JSON")
    .option("--json", "print only the stats JSON on stdout")
    .option("--exact", "optimal repair with the HiGHS MIP solver (small and medium instances; anytime within --time-limit)")
    .action(async (instance, opts) => {
      const { solveCommand } = /** @type {typeof import("./solve-command.ts")} */ (await command("./solve-command.ts"));
      setExit(await solveCommand(instance, opts));
    });

  const testbed = program.command("testbed").description("prepare or clean up a testbed on this machine");
  /** @type {[verb: "setup" | "down", description: string][]} */
  const verbs = [
    ["setup", "install what the testbed needs (idempotent)"],
    ["down", "tear down everything the testbed started"],
  ];
  for (const [verb, description] of verbs) {
    testbed
      .command(verb)
      .description(description)
      .argument("<name>", "testbed name, e.g. local")
      .option("--oar", "the real OAR batch scheduler over namespaced nodes (local): set up with the testbed, or removed alone")
      .action(async (name, opts) => {
        const { testbedCommand } = /** @type {typeof import("./testbed-command.ts")} */ (await command("./testbed-command.ts"));
        setExit(await testbedCommand(verb, name, { oar: opts.oar ?? false }));
      });
  }
  return program;
}

/**
 * `run <workflow> --help`: the workflow file, when one is named, so that its
 * own params are listed below the run options; null otherwise.
 * @param {readonly string[]} argv
 * @returns {string | null}
 */
function workflowAskingHelp(argv) {
  if (argv[0] !== "run" || !argv.some((a) => a === "--help" || a === "-h")) return null;
  return argv.slice(1).find((a) => /\.[cm]?[jt]s$/.test(a) && !a.startsWith("-")) ?? null;
}

/**
 * Runs the CLI; returns the exit code. Bad input: one line on stderr, code 2.
 * @param {readonly string[]} argv
 * @param {{ plugins?: readonly string[] }} [composition] plugin module URLs to register (loaded with the TypeScript engine)
 * @returns {Promise<number>}
 */
export async function main(argv, composition = {}) {
  pluginModules = composition.plugins ?? [];
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    const workflow = workflowAskingHelp(argv);
    if (workflow !== null) {
      const { describeCommand } = /** @type {typeof import("./describe-command.ts")} */ (await command("./describe-command.ts"));
      const run = program.commands.find((c) => c.name() === "run");
      return await describeCommand(workflow, { runHelp: run?.helpInformation() });
    }
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    // UsageError comes from the TypeScript engine (engine/errors.ts), matched by name
    if (error instanceof Error && error.name === "UsageError") {
      process.stderr.write(`g5k-flow: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`g5k-flow: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
