import { UsageError } from "../errors.ts";
import { pollUntil, type BackoffPolicy, type Clock } from "./clock.ts";

/**
 * OAR's job states, as both the Grid'5000 API (lower case) and OAR's own
 * REST API (capitalised) report them. A job is waiting, running, or final.
 */
export type JobPhase = "waiting" | "running" | "final";

const FINAL = new Set(["terminated", "error"]);

export function jobPhase(state: string): JobPhase {
  const s = state.toLowerCase();
  if (FINAL.has(s)) return "final";
  return s === "running" ? "running" : "waiting";
}

/** States after which a job will never run again. */
export const isFinal = (state: string): boolean => jobPhase(state) === "final";

/** One job as a batch API shows it: its state and OAR's message, if any. */
export interface JobView {
  readonly state: string;
  readonly message?: string | null;
}

/**
 * Polls a job with back-off until it runs; throws if it ends first.
 * The one waiting loop of every OAR front end (Grid'5000 API, OAR REST API).
 */
export async function waitJobRunning<J extends JobView>(
  what: string,
  clock: Clock,
  backoff: BackoffPolicy,
  get: () => Promise<J>,
  signal?: AbortSignal,
  onWait?: (job: J, nextDelay: number) => void,
): Promise<J> {
  const job = await pollUntil(clock, backoff, get, (j) => jobPhase(j.state) !== "waiting", signal, onWait);
  if (jobPhase(job.state) !== "running") {
    throw new Error(`${what} ended (${job.state.toLowerCase()}) before running${job.message ? `: ${job.message}` : ""}`);
  }
  return job;
}

/** Polls a job with back-off until it is final (after a deletion, or a worker's end). */
export function waitJobFinal<J extends JobView>(clock: Clock, backoff: BackoffPolicy, get: () => Promise<J>, signal?: AbortSignal): Promise<J> {
  return pollUntil(clock, backoff, get, (j) => isFinal(j.state), signal);
}

/** Seconds -> OAR's "H:MM:SS". */
export function oarWalltime(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`walltime must be a positive whole number of seconds, got ${seconds}`);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}
