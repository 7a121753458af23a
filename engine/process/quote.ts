import { UsageError } from "../errors.ts";

/*
 * The ONE place where a command string is built. ssh's exec request carries a
 * string that the remote login shell parses, so every argument is wrapped in
 * POSIX single quotes, inside which no character is special; a single quote
 * itself is closed, escaped and reopened ('\''). Assumes a POSIX login shell
 * (sh, bash, dash, zsh), as on Grid'5000 and Debian images.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new UsageError("a command argument contains a NUL byte");
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface RemoteLimits {
  readonly timeout?: number;
  readonly killAfter?: number;
}

/**
 * argv (+ env, + time limit) -> the remote command string. `exec` replaces
 * the login shell. Time limits run remotely under timeout(1), TERM then KILL:
 * sshd refuses SSH "signal" requests from root sessions (no privilege
 * separation after a root login), so the client cannot signal them itself.
 */
export function remoteCommand(argv: readonly string[], env?: Readonly<Record<string, string>>, limits: RemoteLimits = {}): string {
  if (argv.length === 0) throw new UsageError("empty command: argv needs at least the program");
  const assignments = Object.entries(env ?? {}).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new UsageError(`environment variable name "${k}" is not valid`);
    return shellQuote(`${k}=${v}`);
  });
  const timer = limits.timeout === undefined ? [] :
    ["timeout", "-s", "TERM", "-k", `${seconds(limits.killAfter ?? 5)}s`, `${seconds(limits.timeout)}s`];
  const prefix = assignments.length > 0 ? ["env", ...assignments] : [];
  return ["exec", ...timer, ...prefix, ...argv.map(shellQuote)].join(" ");
}

function seconds(s: number): string {
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`time limit must be a positive number of seconds, got ${s}`);
  return String(Math.max(0.001, Math.round(s * 1000) / 1000));
}
