import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isWorkflow, type Workflow } from "../dsl/workflow.ts";
import { UsageError } from "../errors.ts";

export interface LoadedWorkflow {
  readonly workflow: Workflow;
  readonly path: string;
  readonly source: string;
}

/** First meaningful line of a compile error (esbuild reports `file:line:col: ERROR: ...`). */
function compileErrorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const located = text.split("\n").find((l) => /ERROR:/.test(l));
  return (located ?? text.split("\n")[0] ?? "").trim();
}

/** Imports a workflow `.ts` file at run time (tsx compiles it; no build step). */
export async function loadWorkflow(path: string): Promise<LoadedWorkflow> {
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new UsageError(`workflow not found: ${path}`);
  const source = readFileSync(absolute, "utf8");
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (error) {
    if (/require\(\) ES Module/.test(String(error))) {
      throw new UsageError(`workflow ${path} is compiled as CommonJS (no package.json with "type": "module" above it): rename it to .mts`);
    }
    if (error instanceof SyntaxError || /Transform failed|ERROR:|Expected|Unexpected/.test(String(error))) {
      throw new UsageError(`workflow ${path} does not compile: ${compileErrorLine(error)}`);
    }
    throw new UsageError(`workflow ${path} failed to load: ${compileErrorLine(error)}`);
  }
  if (!isWorkflow(module.default)) {
    throw new UsageError(`workflow ${path} has no default export made with workflow({...})`);
  }
  return { workflow: module.default, path: absolute, source };
}
