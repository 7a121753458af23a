import { constants } from "node:os";
import type { ActionReport, CommandSpec, HostResult, HostStatus } from "./types.ts";

export const DEFAULT_KILL_AFTER = 5;

/** Exit codes of coreutils timeout(1) when it stopped the command (see quote.ts). */
export const TIMEOUT_EXITS: readonly number[] = [124, 137];

/**
 * Status of a remote command run under timeout(1): 124 after TERM, or KILLed
 * together with timeout(1) itself, once the limit has passed.
 */
export function remoteStatus(command: CommandSpec, exitCode: number | null, signal: string | null, elapsedMs: number): HostStatus {
  const stopped = (exitCode !== null && TIMEOUT_EXITS.includes(exitCode)) || signal === "SIGKILL";
  const timedOut = command.timeout !== undefined && stopped && elapsedMs >= command.timeout * 1000;
  return statusOf(command, exitCode, timedOut);
}

export function statusOf(command: CommandSpec, exitCode: number | null, timedOut: boolean): HostStatus {
  if (timedOut) return "timed-out";
  return exitCode !== null && (command.expectedExit ?? [0]).includes(exitCode) ? "ok" : "failed";
}

/** A host the runner never got a process onto (connection refused, relay lost, bad input...). */
export function unreachable(host: string, error: unknown, start = Date.now()): HostResult {
  return noProcess(host, "unreachable", error instanceof Error ? error.message : String(error), start);
}

export const ABORTED = "aborted";

/** A command whose connection (or worker shell, or relay) ended before it reported an exit status. */
export const LOST = "connection closed before the command's exit status";

/** The name of signal number `n` (SIGTERM...), or null for a number this platform does not name. */
export function signalName(n: number): string | null {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? null;
}

/** A host with no exit status of its own: never started, or lost with its relay or fan-out process. */
export function noProcess(host: string, status: HostStatus, error: string, start = Date.now()): HostResult {
  return { host, status, exitCode: null, signal: null, stdout: "", stderr: "", start, end: Date.now(), error };
}

export function report(name: string, results: readonly HostResult[]): ActionReport {
  const count = (s: HostResult["status"]) => results.filter((r) => r.status === s).length;
  const timedOut = count("timed-out");
  const ok = count("ok");
  return { name, started: results.length, ok, timedOut, failed: results.length - ok - timedOut, results };
}
