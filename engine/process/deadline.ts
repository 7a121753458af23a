import { setMaxListeners } from "node:events";
import type { Seconds } from "../cluster.ts";

/** An abort signal for work with a time limit: fires on the caller's signal or once the limit has passed. */
export interface Deadline {
  readonly signal: AbortSignal | undefined;
  /** Whether it fired because the time ran out (not because the caller aborted). */
  expired(): boolean;
}

export function deadline(signal: AbortSignal | undefined, limit: Seconds | undefined): Deadline {
  if (limit === undefined) return { signal, expired: () => false };
  const timer = AbortSignal.timeout(limit * 1000);
  const bounded = signal ? AbortSignal.any([signal, timer]) : timer;
  // One signal for a whole fan-out (a broadcast's checksum probe on every
  // host): each host in flight holds one listener until it ends, so the
  // default cap of 10 would warn of a leak that is not one
  // (engine/run/runner.ts does the same for the run's signal).
  setMaxListeners(0, bounded);
  return {
    signal: bounded,
    expired: () => timer.aborted && !signal?.aborted,
  };
}
