import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../engine/cli-helpers.ts";
import { buildArchive } from "./fixture.ts";

describe("g5k-flow report", () => {
  const fixture = buildArchive();
  afterAll(() => rmSync(fixture.dir, { recursive: true, force: true }));

  it("writes report.html and prints its path", async () => {
    const result = await cli(["report", fixture.dir]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const path = join(fixture.dir, "report.html");
    expect(result.stdout.trim()).toBe(path);
    expect(readFileSync(path, "utf8")).toContain("<svg");
  });

  it("exits 2 with one line for a folder that is not there", async () => {
    const result = await cli(["report", join(fixture.dir, "nope")]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`g5k-flow: no such run directory: ${join(fixture.dir, "nope")}`);
    expect(result.stdout).toBe("");
  });

  it("exits 2 with one line for a corrupt archive and writes nothing", async () => {
    const dir = buildArchive().dir;
    writeFileSync(join(dir, "manifest.json"), "{");
    const result = await cli(["report", dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^g5k-flow: corrupt run archive: .*manifest.json is not valid JSON$/);
    expect(existsSync(join(dir, "report.html"))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
