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
