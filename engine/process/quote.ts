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

/** What the remote shell writes first on stderr (see killable): the prefix of a line holding its pid. */
export const PGID_MARKER = "g5k-flow-pgid:";

/**
 * `remote` made kill-able from another channel: the shell first reports its
 * pid on stderr, then `exec`s the command in that same process. sshd starts
 * every session with setsid(), so that pid is also the process group of the
 * command and its children (timeout(1) keeps it too). Needed because sshd
 * refuses "signal" requests for root and closing the channel leaves the
 * command running.
 */
export function killable(remote: string): string {
  return `printf '${PGID_MARKER}%s\\n' "$$" >&2; ${remote}`;
}

/** Signals the process group reported by `killable`, or the process alone if it leads no group. */
export function killCommand(pgid: number, signal: "TERM" | "KILL"): string {
  if (!Number.isInteger(pgid) || pgid < 2) throw new UsageError(`not a process group to signal: ${pgid}`);
  // No "--": dash's kill reads it as a pid; "-SIG -N" is understood by dash, bash and zsh.
  return `kill -${signal} -${pgid} 2>/dev/null || kill -${signal} ${pgid}`;
}

/** Finds and removes the `killable` marker line in collected stderr: the pgid (null until it has arrived) and the command's own stderr. */
export function splitPgid(stderr: string): { pgid: number | null; rest: string } {
  const m = new RegExp(`(^|\\n)${PGID_MARKER}(\\d+)\\n`).exec(stderr);
  if (!m) return { pgid: null, rest: stderr };
  return { pgid: Number(m[2]), rest: stderr.slice(0, m.index + m[1].length) + stderr.slice(m.index + m[0].length) };
}

/**
 * The command that starts a worker shell (see ssh/worker.ts): kill-able like
 * any session, then a POSIX sh reading command lines on its stdin.
 */
export const WORKER_SHELL = killable(remoteCommand(["sh"]));

/**
 * The worker's first line: its own stderr to /dev/null, the session's kept
 * on fd 3 for the commands; TERM caught, so a kill of the worker's session
 * stops the command while the worker lives on to report its status.
 */
export const WORKER_PROLOGUE = "exec 3>&2 2>/dev/null; trap : TERM\n";

const NONCE = /^[0-9a-f]{16,64}$/;

/** Names sh runs as builtins (dash's and bash's), which could change the worker itself. */
const BUILTINS = new Set([
  ".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "chdir", "command", "compgen", "complete", "compopt", "continue",
  "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "history",
  "jobs", "kill", "let", "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray", "readonly", "return", "set",
  "shift", "shopt", "source", "suspend", "test", "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait",
]);

/**
 * One command for a worker shell (see ssh/worker.ts). The worker writes
 * `<nonce>\n` on stderr, runs `remote` with stdin from /dev/null, so it can
 * never read the worker's command stream, then writes `<nonce><exit
 * status>\n` on stdout and `<nonce>\n` on stderr, right after the command's
 * own bytes. A remoteCommand string that execs a program runs as a simple
 * command: sh starts it with vfork, where a subshell costs a full fork (half
 * the warm fan-out time on this machine, see BENCHMARKS.md); a child process
 * cannot change the worker's directory or variables. Anything else (a
 * builtin, another string) runs in a subshell. `notices`: sh itself reports a
 * simple command killed by a signal, on the command's stderr.
 */
export function workerLine(remote: string, nonce: string): { line: string; notices: boolean } {
  if (!NONCE.test(nonce)) throw new UsageError(`not a worker nonce: ${nonce}`);
  const program = /^exec (?:(timeout|env) |'([^']+)'(?: |$))/.exec(remote);
  const simple = program !== null && (program[1] !== undefined || program[2].includes("/") || !BUILTINS.has(program[2]));
  const run = simple ? `${remote.slice("exec ".length)} </dev/null 2>&3 3>&-` : `( ${remote}\n) </dev/null 2>&3 3>&-`;
  return {
    line: `printf '%s\\n' ${nonce} >&3; ${run}; s=$?; printf '%s%s\\n' ${nonce} "$s"; printf '%s\\n' ${nonce} >&3\n`,
    notices: simple,
  };
}

/**
 * Signals every process of a session (a worker shell's: sshd starts each in
 * its own), found in /proc: the worker and its command, and process groups
 * the command made (timeout(1) leads one).
 */
export function killSessionCommand(sid: number, signal: "TERM" | "KILL"): string {
  if (!Number.isInteger(sid) || sid < 2) throw new UsageError(`not a session to signal: ${sid}`);
  return `for f in /proc/[0-9]*/stat; do read -r l < "$f" 2>/dev/null || continue; set -- \${l##*) }; ` +
    `if [ "$4" = ${sid} ]; then p=\${f#/proc/}; kill -${signal} "\${p%/stat}" 2>/dev/null; fi; done; true`;
}
