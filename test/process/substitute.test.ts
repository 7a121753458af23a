import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { substitute } from "../../engine/process/index.ts";
import { UsageError } from "../../engine/errors.ts";

const host = { name: "node-3", address: "10.77.0.5" };

describe("substitute", () => {
  it("replaces builtins and user vars inside arguments", () => {
    expect(substitute(["echo", "{{host}}:{{rank}}@{{address}}", "x{{v}}y"], host, 4, { v: "V" }))
      .toEqual(["echo", "node-3:4@10.77.0.5", "xVy"]);
  });

  it("is one pass and keeps each argument one argument (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (name, v) => {
        const out = substitute(["a", "{{host}}", "{{v}}-{{v}}"], { name, address: "a" }, 0, { v });
        expect(out).toEqual(["a", name, `${v}-${v}`]);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("rejects unknown and reserved keys", () => {
    expect(() => substitute(["{{nope}}"], host, 0)).toThrow(/unknown substitution \{\{nope\}\}/);
    expect(() => substitute(["x"], host, 0, { host: "y" })).toThrow(UsageError);
  });
});
