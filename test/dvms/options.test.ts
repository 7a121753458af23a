import { describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { DEFAULT_OPTIONS, dvmsScheduler, resolveOptions } from "../../plugins/dvms/index.ts";
import { isDvmsMessage } from "../../plugins/dvms/messages.ts";

describe("DVMS options", () => {
  it("defaults to the VMPlaceS values and coerces CLI strings", () => {
    expect(resolveOptions()).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS).toMatchObject({ minPartitionSize: 4, overlay: "ring", announcePeriod: 0.5, partitionTimeout: 4, checkPeriod: 1 });
    expect(resolveOptions({ minPartitionSize: "6", overlay: "lbo" })).toMatchObject({ minPartitionSize: 6, overlay: "lbo" });
  });
  it("merges Blocked partitions by default; underload events are off unless given a threshold", () => {
    expect(DEFAULT_OPTIONS).toMatchObject({ merge: true, mergeTimeout: 1, underload: null });
    expect(resolveOptions({ merge: "false", underload: "0.2" })).toMatchObject({ merge: false, underload: 0.2 });
    expect(resolveOptions({ merge: false, underload: null })).toMatchObject({ merge: false, underload: null });
  });
  it.each([
    [{ minPartitionSize: 0 }, /minPartitionSize/],
    [{ overlay: "star" }, /overlay/],
    [{ partitionTimeout: "soon" }, /partitionTimeout/],
    [{ announcePeriod: 5 }, /announcePeriod must be shorter/],
    [{ minPartitionSiz: 4 }, /bad option/],
    [{ merge: "maybe" }, /merge/],
    [{ underload: 1 }, /underload/],
    [{ underload: 0 }, /underload/],
    [{ mergeTimeout: 4 }, /mergeTimeout must be shorter/],
  ])("rejects %o as a usage error", (input, message) => {
    expect(() => resolveOptions(input)).toThrow(UsageError);
    expect(() => resolveOptions(input)).toThrow(message);
  });
  it("the plugin rejects bad options before touching the cluster", () => {
    const sim = createSimCluster({ seed: 1, nodes: 2, vmsPerNode: 1 });
    expect(dvmsScheduler.name).toBe("dvms");
    expect(() => dvmsScheduler.create(sim.runtime, { overlay: "mesh" } as never)).toThrow(UsageError);
  });
});

describe("DVMS messages from the network", () => {
  it("accepts protocol messages and rejects anything else", () => {
    expect(isDvmsMessage({ type: "check", id: "pm-0000#1" })).toBe(true);
    expect(isDvmsMessage({ type: "dissolve", id: "pm-0000#1" })).toBe(true);
    expect(isDvmsMessage({ type: "hello" })).toBe(false);
    expect(isDvmsMessage(null)).toBe(false);
    expect(isDvmsMessage("isp")).toBe(false);
  });
});
