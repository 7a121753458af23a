import { setTimeout as sleep } from "node:timers/promises";
import type { Seconds } from "./cluster.ts";
import { UsageError } from "./errors.ts";

/**
 * What a multi-host action does when hosts fail (docs/architecture.md, failure policies): retries with
 * back-off, how many hosts must succeed, and what becomes of failed hosts.
 */
export interface FailurePolicy {
  /** Extra attempts per host after the first (default 0). */
  readonly retries?: number;
  /** Delay before the first retry, doubled for each next one (default 1 s). */
  readonly backoff?: Seconds;
  /** Hosts that must succeed: "all" (default), a count, or a fraction in (0, 1]. */
  readonly require?: "all" | { readonly count: number } | { readonly fraction: number };
  /** Failed hosts are excluded (default) or replaced from `spares`. */
  readonly onFailure?: "exclude" | "replace";
}

export interface HostOutcome<H, T> {
  readonly host: H;
  readonly attempts: number;
  readonly value?: T;
  readonly error?: string;
  /** The spare that took this failed host's place, if any. */
  readonly replacedBy?: H;
}

export interface PolicyReport<H, T> {
  readonly ok: readonly { readonly host: H; readonly value: T }[];
  readonly failed: readonly HostOutcome<H, T>[];
  readonly attempts: number;
}

export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    message: string,
    readonly failed: readonly string[],
  ) {
    super(message);
  }
}

export interface PolicyRun<H> {
  readonly name: (host: H) => string;
  readonly spares?: readonly H[];
  readonly signal?: AbortSignal;
  /** Told of every retry and failure, for the journal. */
  readonly onEvent?: (event: { readonly event: "retry" | "host-failed" | "host-replaced"; readonly host: string; readonly attempt: number; readonly error: string; readonly spare?: string }) => void;
}

/** Refuses policies that cannot mean what they say (nothing required, fractions above 1, negative retries). */
export function checkPolicy(policy: FailurePolicy): void {
  const { retries = 0, backoff = 1, require = "all" } = policy;
  if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`failure policy: retries must be a whole number >= 0, got ${retries}`);
  if (!Number.isFinite(backoff) || backoff < 0) throw new UsageError(`failure policy: backoff must be a number of seconds >= 0, got ${backoff}`);
  if (require !== "all" && "count" in require && (!Number.isInteger(require.count) || require.count < 1)) {
    throw new UsageError(`failure policy: require.count must be a whole number >= 1, got ${require.count}`);
  }
  if (require !== "all" && "fraction" in require && !(require.fraction > 0 && require.fraction <= 1)) {
    throw new UsageError(`failure policy: require.fraction must be in (0, 1], got ${require.fraction}`);
  }
}

/** How many of `total` hosts the policy requires to succeed. */
export function required(policy: FailurePolicy, total: number): number {
  const req = policy.require ?? "all";
  if (req === "all") return total;
  if ("count" in req) return Math.min(total, req.count);
  return Math.ceil(total * req.fraction - 1e-9);
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs `attempt` on every host in parallel under `policy`. Throws PolicyError
 * (naming the failed hosts) when fewer hosts than required succeed.
 */
export async function underPolicy<H, T>(hosts: readonly H[], policy: FailurePolicy, run: PolicyRun<H>, attempt: (host: H, attempt: number) => Promise<T>): Promise<PolicyReport<H, T>> {
  checkPolicy(policy);
  const retries = policy.retries ?? 0;
  const backoff = policy.backoff ?? 1;
  const spares = [...(run.spares ?? [])];
  let attempts = 0;

  const tryHost = async (host: H): Promise<{ value: T; attempts: number } | { error: string; attempts: number }> => {
    for (let i = 0; ; i++) {
      run.signal?.throwIfAborted();
      attempts += 1;
      try {
        return { value: await attempt(host, i), attempts: i + 1 };
      } catch (error) {
        if (run.signal?.aborted) throw error;
        if (i >= retries) return { error: message(error), attempts: i + 1 };
        run.onEvent?.({ event: "retry", host: run.name(host), attempt: i + 1, error: message(error) });
        await sleep(backoff * 1000 * 2 ** i, undefined, { signal: run.signal });
      }
    }
  };

  const settle = async (host: H): Promise<{ ok?: { host: H; value: T }; failed?: HostOutcome<H, T> }> => {
    const first = await tryHost(host);
    if ("value" in first) return { ok: { host, value: first.value } };
    run.onEvent?.({ event: "host-failed", host: run.name(host), attempt: first.attempts, error: first.error });
    // replace from spares until one works or none is left
    while (policy.onFailure === "replace" && spares.length > 0) {
      const spare = spares.shift() as H;
      run.onEvent?.({ event: "host-replaced", host: run.name(host), attempt: first.attempts, error: first.error, spare: run.name(spare) });
      const next = await tryHost(spare);
      if ("value" in next) return { ok: { host: spare, value: next.value }, failed: { host, attempts: first.attempts, error: first.error, replacedBy: spare } };
      run.onEvent?.({ event: "host-failed", host: run.name(spare), attempt: next.attempts, error: next.error });
    }
    return { failed: { host, attempts: first.attempts, error: first.error } };
  };

  const settled = await Promise.all(hosts.map(settle));
  const ok = settled.flatMap((s) => (s.ok ? [s.ok] : []));
  const failed = settled.flatMap((s) => (s.failed ? [s.failed] : []));
  const need = required(policy, hosts.length);
  if (ok.length < need) {
    const names = failed.filter((f) => !f.replacedBy).map((f) => run.name(f.host));
    throw new PolicyError(`${ok.length} of ${hosts.length} hosts succeeded, ${need} required; failed: ${names.join(", ")} (${failed[0]?.error ?? "unknown error"})`, names);
  }
  return { ok, failed, attempts };
}
