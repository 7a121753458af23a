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
  return {
    signal: signal ? AbortSignal.any([signal, timer]) : timer,
    expired: () => timer.aborted && !signal?.aborted,
  };
}
