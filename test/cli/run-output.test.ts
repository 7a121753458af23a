import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, TOY_WORKFLOW } from "../engine/cli-helpers.ts";

const results = (): string => mkdtempSync(join(tmpdir(), "g5k-out-"));

describe("the end of a run in plain output (pipes, CI)", () => {
  it("prints the summary's figures, the archive and the report's path", async () => {
    const result = await cli(["run", TOY_WORKFLOW, "--testbed", "toy", "--param", "nodes=4", "--results", results()]);
    expect(result.exitCode).toBe(0);
    const tail = result.stdout.trimEnd().split("\n").slice(-7);
    expect(tail[0]).toBe("run ok");
    expect(tail.slice(1, 5).map((l) => l.trim().split(/\s+/))).toEqual([["results:"], ["figure", "value"], ["vms", "8"], ["sumOfSquares", "140"]]);
    expect(tail[5]).toMatch(/^archive: .*-toy-[0-9a-f]{6}$/);
    expect(tail[6]).toBe(`report:  ${tail[5].slice("archive: ".length)}/report.html`);
    // show prints the same table
    const shown = await cli(["show", tail[5].slice("archive: ".length)]);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout.trimEnd().split("\n").slice(-4)).toEqual(tail.slice(1, 5));
  });

  it("shows each sweep's points done out of total", async () => {
    const result = await cli(["run", "test/engine/fixtures/sweep-workflow.ts", "--testbed", "toy", "--param", "size=2", "--results", results()]);
    expect(result.exitCode).toBe(0);
    const sweepLines = result.stdout.split("\n").filter((l) => l.includes("sweep grid:")).map((l) => l.trim().replace(/, ETA \S+$/, ""));
    expect(sweepLines).toEqual([0, 1, 2, 3].map((n) => `sweep grid: ${n}/3 points done`));
  });
});
