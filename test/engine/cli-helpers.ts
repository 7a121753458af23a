import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = `${ROOT}bin/g5k-flow.js`;
export const TOY_TESTBED = `${ROOT}test/engine/fixtures/toy-testbed.ts`;
export const TOY_WORKFLOW = `${ROOT}test/engine/fixtures/toy-workflow.ts`;

/** Runs the real CLI in a child process, with the toy testbed loadable. */
export function cli(args: readonly string[], env: Record<string, string> = {}) {
  return execa("node", [BIN, ...args], { reject: false, cwd: ROOT, env: { CI: "1", G5K_FLOW_PLUGINS: TOY_TESTBED, ...env } });
}

/** Runs a fixture workflow on the toy testbed with `--param`s; its result, archive directory and journal events. */
export async function runToy(workflow: string, params: readonly string[]) {
  const results = mkdtempSync(join(tmpdir(), "g5k-toy-"));
  const result = await cli(["run", workflow, "--testbed", "toy", ...params.flatMap((p) => ["--param", p]), "--json", "--results", results]);
  const dir = join(results, readdirSync(results)[0]);
  const journal = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, dir, journal };
}
