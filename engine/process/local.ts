import type { Host } from "../hosts.ts";
import type { CommandSpec, HostResult, ProcessRunner } from "./types.ts";
import { resolveArgv } from "./substitute.ts";
import { ABORTED, noProcess, statusOf } from "./result.ts";
import { runBounded } from "./spawn.ts";

/** The controller itself, for local actions. */
export const LOCALHOST: Host = { name: "localhost", address: "127.0.0.1" };

/** Runs commands as local processes (execa, argument arrays, no shell). */
export class LocalRunner implements ProcessRunner {
  readonly name = "local";

  async exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult> {
    const start = Date.now();
    const argv = resolveArgv(command, host, rank); // bad substitutions throw UsageError
    if (signal?.aborted) return noProcess(host.name, "failed", ABORTED, start);
    const r = await runBounded(argv, command, signal);
    if (r.startError !== undefined) return noProcess(host.name, "unreachable", r.startError, start);
    return {
      host: host.name,
      // Stopped by an abort counts as failed even if the command exits 0 on TERM.
      status: r.aborted ? "failed" : statusOf(command, r.exitCode, r.timedOut),
      exitCode: r.exitCode,
      signal: r.signal,
      stdout: r.stdout,
      stderr: r.stderr,
      start,
      end: Date.now(),
      ...(r.aborted ? { error: ABORTED } : {}),
    };
  }

  async close(): Promise<void> {}
}
