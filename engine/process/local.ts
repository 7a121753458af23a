import { execa } from "execa";
import type { Host } from "../hosts.ts";
import type { CommandSpec, HostResult, ProcessRunner } from "./types.ts";
import { resolveArgv } from "./substitute.ts";
import { DEFAULT_KILL_AFTER, statusOf } from "./result.ts";

/** The controller itself, for local actions. */
export const LOCALHOST: Host = { name: "localhost", address: "127.0.0.1" };

/** Runs commands as local processes (execa, argument arrays, no shell). */
export class LocalRunner implements ProcessRunner {
  readonly name = "local";

  async exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult> {
    const start = Date.now();
    const argv = resolveArgv(command, host, rank); // bad substitutions throw UsageError
    // Own process group, so TERM/KILL reach the command's children too
    // (a killed shell's child would otherwise hold the output pipes open).
    const child = execa(argv[0], argv.slice(1), {
      reject: false,
      stripFinalNewline: false,
      input: command.stdin ?? "",
      env: command.env,
      detached: true,
    });
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    const stop = () => {
      killGroup(child.pid, "SIGTERM");
      timers.push(setTimeout(() => killGroup(child.pid, "SIGKILL"), (command.killAfter ?? DEFAULT_KILL_AFTER) * 1000));
    };
    if (command.timeout !== undefined) timers.push(setTimeout(() => { timedOut = true; stop(); }, command.timeout * 1000));
    signal?.addEventListener("abort", stop, { once: true });
    const r = await child;
    for (const t of timers) clearTimeout(t);
    signal?.removeEventListener("abort", stop);
    const exitCode = r.exitCode ?? null;
    const failedToStart = exitCode === null && !r.signal;
    return {
      host: host.name,
      status: failedToStart ? "unreachable" : statusOf(command, exitCode, timedOut),
      exitCode,
      signal: r.signal ?? null,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      start,
      end: Date.now(),
      ...(failedToStart ? { error: r.shortMessage } : signal?.aborted ? { error: "aborted" } : {}),
    };
  }

  async close(): Promise<void> {}
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}
