import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { param, parseDuration, resolveParams } from "../../engine/dsl/params.ts";
import { UsageError } from "../../engine/errors.ts";

const specs = {
  pms: param.int(500, "physical machines", { min: 1, max: 10_000 }),
  mean: param.number(0.6, "mean load", { min: 0, max: 1 }),
  scheduler: param.choice(["dvms", "entropy"] as const, "dvms"),
  duration: param.duration("30m"),
  scales: param.list(param.int(0), [500, 1000]),
  lbo: param.bool(false),
  label: param.string("x"),
};

describe("params", () => {
  it("gives defaults, with durations in seconds", () => {
    expect(resolveParams(specs, {})).toEqual({ pms: 500, mean: 0.6, scheduler: "dvms", duration: 1800, scales: [500, 1000], lbo: false, label: "x" });
  });

  it("parses command-line strings by kind", () => {
    const p = resolveParams(specs, { pms: "20", mean: "0.25", scheduler: "entropy", duration: "1h30m", scales: "1,2,3", lbo: "yes", label: "42" });
    expect(p).toEqual({ pms: 20, mean: 0.25, scheduler: "entropy", duration: 5400, scales: [1, 2, 3], lbo: true, label: "42" });
  });

  it.each([
    [{ pms: "abc" }, /param 'pms'.*expected int/],
    [{ pms: "2.5" }, /param 'pms'/],
    [{ pms: "0" }, /param 'pms'/],
    [{ mean: "1.5" }, /param 'mean'/],
    [{ scheduler: "random" }, /param 'scheduler'/],
    [{ duration: "10 parsecs" }, /param 'duration'/],
    [{ scales: "1,x" }, /param 'scales'/],
    [{ lbo: "maybe" }, /param 'lbo'/],
    [{ nodes: "3" }, /unknown param 'nodes'/],
  ])("rejects %j with a one-line UsageError", (given, message) => {
    let caught: unknown;
    try {
      resolveParams(specs, given);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("\n");
  });

  it("accepts typed values from an archive as they are", () => {
    expect(resolveParams(specs, { pms: 7, scales: [10] }).pms).toBe(7);
  });

  it("parses any h/m/s combination to the right number of seconds", () => {
    fc.assert(
      fc.property(fc.nat(48), fc.nat(59), fc.nat(59), (h, m, s) => {
        const text = `${h}h${m}m${s}s`;
        expect(parseDuration(text)).toBe(h * 3600 + m * 60 + s);
      }),
      { seed: 7 },
    );
    expect(parseDuration("1800")).toBe(1800);
    expect(parseDuration("250ms")).toBe(0.25);
    expect(parseDuration("5 m")).toBeNaN();
    expect(parseDuration("m")).toBeNaN();
  });
});

describe("param names", () => {
  it("rejects names inherited from Object.prototype", () => {
    expect(() => resolveParams(specs, { toString: "1" })).toThrow(/unknown param 'toString'/);
  });
});
