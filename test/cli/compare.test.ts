import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { summaryFigures } from "../../engine/archive/summary-figures.ts";
import { cli, TOY_WORKFLOW } from "../engine/cli-helpers.ts";
import { expectUsageError } from "./usage.ts";

/**
 * Archives made from one real toy run, copied with known summaries and
 * seeds: A = three repetitions (seeds 1..3) with x = 1, 2, 3; B = the same
 * with another param value and x = 4, 5, 6.
 */
let root: string;
let a: string[];
let b: string[];

function variant(from: string, name: string, seed: number, params: Record<string, unknown>, summary: Record<string, unknown>): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, id: name, seed, params: { ...manifest.params, ...params } }));
  writeFileSync(join(dir, "summary.json"), JSON.stringify(summary));
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "g5k-compare-"));
  const made = mkdtempSync(join(tmpdir(), "g5k-compare-run-"));
  expect((await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--results", made, "--json"])).exitCode).toBe(0);
  const original = join(made, readdirSync(made)[0]);
  const rows = (x: number) => [{ scheduler: "dvms", x }, { scheduler: "entropy", x: x * 10 }];
  a = [1, 2, 3].map((x) => variant(original, `a${x}`, x, {}, { x, results: rows(x), scales: [10] }));
  b = [4, 5, 6].map((x, i) => variant(original, `b${x}`, i + 1, { nodes: 5 }, { x, results: rows(x), scales: [10] }));
  rmSync(made, { recursive: true });
}, 120_000);

describe("g5k-flow compare", () => {
  it("groups repetitions, gives mean and 95 % CI per figure and Welch's test against the first group (--json)", async () => {
    const result = await cli(["compare", ...a, ...b, "--json"]);
    expect(result.exitCode).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.groups.map((g: { label: string; seeds: number[] }) => [g.label, g.seeds])).toEqual([["A", [1, 2, 3]], ["B", [1, 2, 3]]]);
    expect(out.figures.map((f: { figure: string }) => f.figure)).toEqual(["x", "results[scheduler=dvms].x", "results[scheduler=entropy].x"]);
    const x = out.figures[0];
    // t(0.975, 2) = 4.302653; s = 1; half-width = t · s / √3
    expect(x.groups[0]).toMatchObject({ n: 3, mean: 2, values: [1, 2, 3] });
    expect(x.groups[0].halfWidth).toBeCloseTo((4.302653 * 1) / Math.sqrt(3), 5);
    expect(x.groups[1].mean).toBe(5);
    // Welch: t = 3 / √(2/3) = 3.674235, 4 degrees of freedom, two-sided p = 0.021312
    expect(x.tests[0]).toMatchObject({ group: "B", vs: "A" });
    expect(x.tests[0].test.t).toBeCloseTo(3.674235, 5);
    expect(x.tests[0].test.dof).toBeCloseTo(4, 9);
    expect(x.tests[0].test.p).toBeCloseTo(0.021312, 5);
  });

  it("prints the groups side by side with what sets them apart", async () => {
    const result = await cli(["compare", ...a, ...b]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("A  a1, a2, a3  seed 1,2,3");
    expect(lines[1]).toBe("B  b4, b5, b6  seed 1,2,3  (vs A: nodes=5)");
    expect(lines[3].split(/\s{2,}/)).toEqual(["figure", "A (n=3)", "B (n=3)", "p B/A"]);
    expect(lines[4].trim().split(/\s{2,}/)).toEqual(["x", "2 ± 2.484", "5 ± 2.484", "0.02131 *"]);
  });

  it("shows single runs as plain values, without a test", async () => {
    const result = await cli(["compare", a[0], b[2]]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[3].split(/\s{2,}/)).toEqual(["figure", "A", "B"]);
    expect(lines[5].trim().split(/\s{2,}/)).toEqual(["results[scheduler=dvms].x", "1", "6"]);
  });

  it.each([
    ["a single run", () => ["compare", a[0]], /^g5k-flow: compare needs at least two runs, got 1$/],
    ["a missing run", () => ["compare", a[0], "results/nope"], /^g5k-flow: no such run directory: results\/nope$/],
    ["no run at all", () => ["compare"], /missing required argument 'runs'/],
  ])("answers %s with one line and exit 2", async (_what, args, message) => {
    expectUsageError(await cli(args()), message);
  });

  it("keys a list of records by the fields that tell them apart", () => {
    const figures = summaryFigures({ n: 2, results: [{ scale: 1, scheduler: "a", v: 1 }, { scale: 1, scheduler: "b", v: 2 }, { scale: 2, scheduler: "a", v: 3 }], tags: ["x"], sizes: [1, 2] });
    expect([...figures]).toEqual([["n", 2], ["results[scale=1,scheduler=a].v", 1], ["results[scale=1,scheduler=b].v", 2], ["results[scale=2,scheduler=a].v", 3]]);
  });
});
