/**
 * The benchmarks' command lines, parsed as the g5k-flow CLI parses its own
 * (commander, the exit codes of engine/cli/options.js) and typed by the
 * workflow param specs (engine/dsl/params.ts). An unknown flag, a positional
 * argument, a missing or bad value: one line on stderr (`bench:<name>: ...`),
 * exit code 2, before the bench does anything. `--help` prints the usage.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { commanderExitCode } from "../engine/cli/options.js";
import { checkParam, type ParamSpec, type ParamSpecs, type ParamValues } from "../engine/dsl/params.ts";

export interface BenchUsage<P extends ParamSpecs> {
  /** The npm script's name after `bench:` (`sim` for `npm run bench:sim`). */
  readonly name: string;
  readonly description: string;
  /** One `--<name> <value>` flag per spec; its default is the spec's. */
  readonly flags: P;
  /** Environment variables that set a flag when it is not given (the benches' older way): checked as the flag would be. */
  readonly env?: { readonly [K in keyof P]?: string };
  /** Flags of the bench's own child processes, left out of --help. */
  readonly hidden?: readonly (keyof P & string)[];
  readonly examples?: readonly string[];
}

export interface BenchOutput {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: BenchOutput = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** A flag with no default: undefined when not given. */
export function optional<T>(spec: ParamSpec<T>): ParamSpec<T | undefined> {
  return { ...spec, default: undefined, schema: spec.schema.optional() };
}

/** A flag whose text the bench passes on as written (to a workflow's --param), checked by `spec`. */
export function asText(spec: ParamSpec<unknown>, def: string): ParamSpec<string> {
  const schema = z.string().superRefine((text, ctx) => {
    const checked = checkParam(spec, text);
    if (!checked.ok) ctx.addIssue({ code: "custom", message: checked.problem });
  });
  return { kind: spec.kind, default: def, description: spec.description, schema, fromText: (t) => t };
}

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const shown = (value: unknown): string => (Array.isArray(value) ? value.join(",") : String(value));

/** The flags' values, or the exit code when the command line was bad (2) or asked for help (0); output goes to `io`. */
export function parseBenchArgs<P extends ParamSpecs>(
  usage: BenchUsage<P>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: BenchOutput = STDIO,
): { ok: true; values: ParamValues<P> } | { ok: false; exitCode: number } {
  const prefix = `bench:${usage.name}: `;
  const program = new Command(`npm run bench:${usage.name} --`)
    .description(usage.description)
    .helpOption("-h, --help", "print this usage and exit")
    .allowExcessArguments(true) // refused below, with a message naming the argument
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(prefix + text.replace(/^error: /, "")) });
  for (const [key, spec] of Object.entries(usage.flags)) {
    const from = usage.env?.[key];
    const option = new Option(`${flagName(key)} <${spec.kind}>`, `${spec.description}${from ? ` (or $${from})` : ""}`).argParser((text) => {
      const checked = checkParam(spec, text);
      if (!checked.ok) throw new InvalidArgumentError(checked.problem);
      return checked.value;
    });
    if (spec.default !== undefined) option.default(spec.default, shown(spec.default));
    if (usage.hidden?.includes(key)) option.hideHelp();
    program.addOption(option);
  }
  if (usage.examples) program.addHelpText("after", `\nExamples:\n${usage.examples.map((e) => `  ${e}`).join("\n")}`);
  try {
    program.parse([...argv], { from: "user" });
    if (program.args.length > 0) program.error(`unexpected argument '${program.args[0]}' (flags only: --help lists them)`, { exitCode: 2 });
  } catch (error) {
    if (error instanceof CommanderError) return { ok: false, exitCode: commanderExitCode(error) };
    throw error;
  }
  const values: Record<string, unknown> = program.opts();
  for (const [key, name] of Object.entries(usage.env ?? {})) {
    const text = name === undefined ? undefined : env[name];
    if (text === undefined || program.getOptionValueSource(key) === "cli") continue;
    const checked = checkParam(usage.flags[key], text);
    if (!checked.ok) {
      io.err(`${prefix}$${name} '${text}' is invalid. ${checked.problem}\n`);
      return { ok: false, exitCode: 2 };
    }
    values[key] = checked.value;
  }
  return { ok: true, values: values as ParamValues<P> };
}

/** The bench's flags from this process's command line; a bad command line or --help ends the process here. */
export function benchArgs<P extends ParamSpecs>(usage: BenchUsage<P>): ParamValues<P> {
  const parsed = parseBenchArgs(usage, process.argv.slice(2));
  if (!parsed.ok) process.exit(parsed.exitCode);
  return parsed.values;
}
