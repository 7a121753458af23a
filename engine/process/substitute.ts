import type { Host } from "../hosts.ts";
import { UsageError } from "../errors.ts";
import type { CommandSpec } from "./types.ts";

const BUILTIN = new Set(["host", "rank", "address"]);
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/**
 * Replaces {{host}}, {{rank}}, {{address}} and user keys in each argument, in
 * one pass (a value containing "{{x}}" stays literal). Values become whole or
 * partial arguments: they are never parsed by a shell here.
 */
export function substitute(argv: readonly string[], host: Host, rank: number, vars: Readonly<Record<string, string>> = {}): string[] {
  for (const key of Object.keys(vars)) {
    if (BUILTIN.has(key)) throw new UsageError(`substitution variable "${key}" is reserved`);
  }
  const values: Record<string, string> = { ...vars, host: host.name, rank: String(rank), address: host.address };
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER, (_, key: string) => {
      const v = values[key];
      if (v === undefined) throw new UsageError(`unknown substitution {{${key}}} in command argument "${arg}"`);
      return v;
    }),
  );
}

export function resolveArgv(command: CommandSpec, host: Host, rank: number): string[] {
  return substitute(command.argv, host, rank, command.vars);
}
