import { describe, expect, it } from "vitest";
import { deadline } from "../../engine/process/deadline.ts";

describe("deadline", () => {
  it("takes one abort listener per host of a fan-out without a leak warning, and fires at its limit", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const caller = new AbortController();
      const d = deadline(caller.signal, 0.05);
      const fired: number[] = [];
      for (let i = 0; i < 30; i++) d.signal!.addEventListener("abort", () => fired.push(i), { once: true });
      await new Promise((r) => setTimeout(r, 200));
      expect([fired.length, d.expired(), warnings]).toEqual([30, true, []]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
