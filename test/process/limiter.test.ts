import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Limiter } from "../../engine/process/ssh/limiter.ts";

describe("Limiter", () => {
  it("never runs more than its limit at once and runs everything (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }), async (limit, delays) => {
        const l = new Limiter(limit);
        let active = 0;
        let peak = 0;
        const done = await Promise.all(delays.map((d, i) => l.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, d));
          active--;
          return i;
        })));
        expect(peak).toBeLessThanOrEqual(limit);
        expect(done).toEqual(delays.map((_, i) => i));
      }),
      { seed: 3, numRuns: 60 },
    );
  });
});
