import { describe, expect, it } from "vitest";
import { injectFaults } from "./fault-injection.ts";

describe("fault injection (seeded)", () => {
  it("survives kill -9 and SIGINT at random points of a sweep: every point done once, no journal line lost", async () => {
    const report = await injectFaults(2, 7);
    expect(report.faultsInjected).toBeGreaterThan(0);
    expect(report.survived).toBe(2);
    expect(report.journalLinesLost).toBe(0);
    expect(report.pointsLostOrDuplicated).toBe(0);
  }, 240_000);
});
