import { describe, expect, it } from "vitest";
import { injectFaults } from "./fault-injection.ts";

describe("fault injection (seeded)", () => {
  it("survives kill -9 and SIGINT at random points of a sweep: every point done once, no journal line lost", async () => {
    const report = await injectFaults(2, 7);
    expect(report.faultsInjected).toBeGreaterThan(0);
    // one assertion on the whole report, so a failure shows every figure
    expect(report).toMatchObject({ survived: 2, journalLinesLost: 0, pointsLostOrDuplicated: 0, dataLost: 0 });
  }, 240_000);
});
