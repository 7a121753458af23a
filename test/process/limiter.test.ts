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

  it("asks for a slot back when a taker has to wait, and lets an aborted taker leave the queue", async () => {
    const l = new Limiter(1);
    let asked = 0;
    l.onFull = () => asked++;
    const first = await l.take();
    expect(asked).toBe(0);
    const ac = new AbortController();
    const gaveUp = l.take(ac.signal);
    const second = l.take();
    expect([asked, l.queued]).toEqual([2, 2]);
    ac.abort();
    await expect(gaveUp).rejects.toThrow(/no longer waiting/);
    expect(l.queued).toBe(1);
    first();
    first(); // given back once only
    const release = await second;
    const third = l.take();
    expect(l.queued).toBe(1); // the second give-back of the first slot freed nothing
    release();
    (await third)();
    await expect(l.take(AbortSignal.abort())).resolves.toBeTypeOf("function"); // a free slot is taken even so
  });
});
