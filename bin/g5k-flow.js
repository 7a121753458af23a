#!/usr/bin/env node
// Entry point: tsx compiles the TypeScript engine and the user's workflow at
// run time, so neither the project nor its users need a build step.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

register();
registerHooks("./resolve-hook.js", import.meta.url);
await import("../plugins/bundled.ts");
// Extra plugin modules (a lab's own testbed, say): each registers itself on import.
for (const path of (process.env.G5K_FLOW_PLUGINS ?? "").split(",").filter(Boolean)) {
  await import(pathToFileURL(resolve(path)).href);
}
const { main } = await import("../engine/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
