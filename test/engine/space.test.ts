import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pointKey, space } from "../../engine/dsl/space.ts";

describe("parameter spaces", () => {
  it("product walks every combination, first axis slowest; filter records the skipped points", () => {
    const s = space.product({ a: [1, 2], b: ["x", "y"] }).filter((p) => !(p.a === 2 && p.b === "y"));
    expect(s.points).toEqual([{ a: 1, b: "x" }, { a: 1, b: "y" }, { a: 2, b: "x" }]);
    expect(s.skipped).toEqual([{ a: 2, b: "y" }]);
  });

  it("zip walks axes together and refuses unequal lengths", () => {
    expect(space.zip({ a: [1, 2], b: ["x", "y"] }).points).toEqual([{ a: 1, b: "x" }, { a: 2, b: "y" }]);
    expect(() => space.zip({ a: [1], b: ["x", "y"] })).toThrow(/one length/);
  });

  it("keys plain points readably", () => {
    expect(pointKey({ scale: 500, scheduler: "dvms" })).toBe("scale=500,scheduler=dvms");
  });

  it("gives distinct points distinct keys (property)", () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constantFrom("1", "true", "a,b=c", "x"));
    fc.assert(
      fc.property(value, value, (v, w) => {
        if (Object.is(v, w)) return;
        expect(pointKey({ a: v })).not.toBe(pointKey({ a: w }));
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});
