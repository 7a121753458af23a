import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyError, underPolicy, type FailurePolicy } from "../../engine/policy.ts";

const name = (h: string): string => h;
const hosts = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"];

/** Hosts in `bad` always fail; hosts in `flaky` fail their first `flakyFailures` attempts. */
function behaviour(bad: ReadonlySet<string>, flaky: ReadonlySet<string> = new Set(), flakyFailures = 1) {
  const calls = new Map<string, number>();
  return {
    calls,
    attempt: async (host: string, attempt: number): Promise<string> => {
      calls.set(host, (calls.get(host) ?? 0) + 1);
      if (bad.has(host) || (flaky.has(host) && attempt < flakyFailures)) throw new Error(`${host} down`);
      return `${host}:ok`;
    },
  };
}

describe("failure policies", () => {
  it("under 'all', one failed host fails the action and is named", async () => {
    const b = behaviour(new Set(["n3"]));
    const error = await underPolicy(hosts, {}, { name }, b.attempt).catch((e) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.failed).toEqual(["n3"]);
    expect(error.message).toMatch(/^9 of 10 hosts succeeded, 10 required; failed: n3 \(n3 down\)$/);
  });

  it("under a fraction, the action completes on the others and reports the failed ones", async () => {
    const b = behaviour(new Set(["n3", "n7"]));
    const report = await underPolicy(hosts, { require: { fraction: 0.8 } }, { name }, b.attempt);
    expect(report.ok.map((o) => o.host)).toEqual(hosts.filter((h) => h !== "n3" && h !== "n7"));
    expect(report.failed.map((f) => f.host)).toEqual(["n3", "n7"]);
    await expect(underPolicy(hosts, { require: { fraction: 0.81 } }, { name }, behaviour(new Set(["n3", "n7"])).attempt)).rejects.toThrow(/8 of 10 hosts succeeded, 9 required/);
  });

  it("retries transient failures with doubling back-off, then succeeds", async () => {
    const b = behaviour(new Set(), new Set(["n1"]), 2);
    const events: string[] = [];
    const started = Date.now();
    const report = await underPolicy(hosts, { retries: 2, backoff: 0.05 }, { name, onEvent: (e) => events.push(`${e.event}:${e.host}:${e.attempt}`) }, b.attempt);
    expect(report.ok).toHaveLength(10);
    expect(b.calls.get("n1")).toBe(3);
    expect(events).toEqual(["retry:n1:1", "retry:n1:2"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140); // 50 ms + 100 ms
  });

  it("replaces failed hosts from spares", async () => {
    const b = behaviour(new Set(["n2", "s0"]));
    const report = await underPolicy(hosts, { onFailure: "replace" }, { name, spares: ["s0", "s1"] }, b.attempt);
    expect(report.ok.map((o) => o.host).sort()).toEqual([...hosts.filter((h) => h !== "n2"), "s1"].sort());
    expect(report.failed).toEqual([{ host: "n2", attempts: 1, error: "n2 down", replacedBy: "s1" }]);
  });

  it("succeeds exactly when enough hosts work (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(hosts), fc.integer({ min: 1, max: 10 }), async (bad, count) => {
        const policy: FailurePolicy = { require: { count } };
        const outcome = await underPolicy(hosts, policy, { name }, behaviour(new Set(bad)).attempt).then(
          (r) => r.ok.length,
          () => -1,
        );
        const working = hosts.length - bad.length;
        expect(outcome).toBe(working >= count ? working : -1);
      }),
      { seed: 11, numRuns: 100 },
    );
  });

  it.each([
    [{ require: { fraction: 0 } }, /require.fraction must be in \(0, 1\]/],
    [{ require: { fraction: 1.5 } }, /require.fraction/],
    [{ require: { count: 0 } }, /require.count must be a whole number >= 1/],
    [{ retries: -1 }, /retries must be a whole number/],
    [{ backoff: Number.NaN }, /backoff must be/],
  ] as [FailurePolicy, RegExp][])("refuses the policy %j with a one-line UsageError", async (policy, message) => {
    const error = await underPolicy(hosts, policy, { name }, behaviour(new Set()).attempt).catch((e) => e);
    expect(error.name).toBe("UsageError");
    expect(error.message).toMatch(message);
  });
});
