import { readdir, readFile } from "node:fs/promises";
import { execa } from "execa";
import type { Seconds } from "../cluster.ts";
import { DEFAULT_KILL_AFTER } from "./result.ts";

export interface BoundedOptions {
  /** Seconds before TERM, then KILL after `killAfter` more seconds; an abort does the same at once. */
  readonly timeout?: Seconds;
  readonly killAfter?: Seconds;
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface BoundedRun {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Set when the program could not be started. */
  readonly startError?: string;
}

/**
 * A local program (argument array, no shell) leading its own session, so
 * TERM/KILL reach everything it started: a killed shell's child would
 * otherwise hold the output pipes open, and taktuk's ssh connectors (each in
 * a process group of its own) would outlive it.
 * Callers check for an already aborted signal first: nothing should start then.
 */
export async function runBounded(argv: readonly string[], opts: BoundedOptions, signal?: AbortSignal): Promise<BoundedRun> {
  const child = execa(argv[0], argv.slice(1), {
    reject: false,
    stripFinalNewline: false,
    input: opts.stdin ?? "",
    env: opts.env,
    detached: true,
  });
  let timedOut = false;
  let aborted = false;
  const timers: NodeJS.Timeout[] = [];
  const stop = () => {
    void killSession(child.pid, "SIGTERM");
    timers.push(setTimeout(() => void killSession(child.pid, "SIGKILL"), (opts.killAfter ?? DEFAULT_KILL_AFTER) * 1000));
  };
  const onAbort = () => { aborted = true; stop(); };
  if (opts.timeout !== undefined) timers.push(setTimeout(() => { timedOut = true; stop(); }, opts.timeout * 1000));
  signal?.addEventListener("abort", onAbort, { once: true });
  const r = await child;
  for (const t of timers) clearTimeout(t);
  signal?.removeEventListener("abort", onAbort);
  const exitCode = r.exitCode ?? null;
  return {
    exitCode,
    signal: r.signal ?? null,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    timedOut,
    aborted,
    ...(exitCode === null && !r.signal ? { startError: r.shortMessage } : {}),
  };
}

/** Signals the session `sid` leads (detached: setsid): its own process group at once, then the other groups in it (Linux /proc). */
async function killSession(sid: number | undefined, sig: NodeJS.Signals): Promise<void> {
  if (sid === undefined) return;
  signal(-sid, sig);
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[3]) === sid) signal(Number(entry), sig);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
