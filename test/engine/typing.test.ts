import { execa } from "execa";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./cli-helpers.ts";

/** Type-checks one workflow file against the project's compiler settings. */
async function typecheck(file: string) {
  const dir = mkdtempSync(join(tmpdir(), "g5k-typing-"));
  const config = join(dir, "tsconfig.json");
  writeFileSync(config, JSON.stringify({ extends: join(ROOT, "tsconfig.json"), compilerOptions: { types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")] }, include: [], files: [join(ROOT, file)] }));
  return execa(join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", config], { reject: false, cwd: ROOT });
}

describe("workflow typing", () => {
  it("accepts a workflow that uses params and step outputs with their types", async () => {
    const result = await typecheck("test/engine/fixtures/typed-ok.ts");
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("rejects a workflow that uses an int param as a string", async () => {
    const result = await typecheck("test/engine/fixtures/typed-bad.ts");
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toMatch(/typed-bad\.ts.*Property 'toUpperCase' does not exist on type 'number'/);
  });
});
