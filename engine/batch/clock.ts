/**
 * Time as the API client sees it. Injected so tests drive polling with a
 * virtual clock (no real sleeping) and assert on back-off from request times.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason if aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * Polling back-off of batch jobs (Grid'5000 API, OAR REST API): 5 s rising geometrically to a 45 s
 * plateau, then 150 s once the wait has lasted `longAfter` seconds (a job
 * queued for long will not start in the next minute; the API must not be
 * hammered).
 */
export interface BackoffPolicy {
  readonly initial: number;
  readonly factor: number;
  readonly plateau: number;
  readonly longAfter: number;
  readonly long: number;
}

export const defaultBackoff: BackoffPolicy = { initial: 5, factor: 1.5, plateau: 45, longAfter: 600, long: 150 };

/** Seconds to wait before poll number `attempt` (0-based) after `waited` seconds of waiting. */
export function pollDelay(policy: BackoffPolicy, attempt: number, waited: number): number {
  if (waited >= policy.longAfter) return policy.long;
  return Math.min(policy.plateau, policy.initial * policy.factor ** attempt);
}

/**
 * Calls `probe` until `done` holds for its result, sleeping by the back-off
 * between calls. `onWait` reports each intermediate result (progress lines).
 */
export async function pollUntil<T>(
  clock: Clock,
  policy: BackoffPolicy,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  signal?: AbortSignal,
  onWait?: (value: T, nextDelaySeconds: number) => void,
): Promise<T> {
  const start = clock.now();
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (done(value)) return value;
    const delay = pollDelay(policy, attempt, (clock.now() - start) / 1000);
    onWait?.(value, delay);
    await clock.sleep(delay * 1000, signal);
  }
}
