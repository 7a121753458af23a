import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readJournal, safeName } from "../archive/run-archive.ts";

/** File of a checkpointed step or scope output, inside the run folder. */
export const checkpointFile = (kind: "step" | "scope", name: string): string =>
  join("steps", `${safeName(name)}${kind === "scope" ? ".scope" : ""}.json`);

/**
 * Outputs of the steps and scopes an earlier attempt of the run completed,
 * keyed `step:<name>` / `scope:<name>` (a resumed run returns them instead of
 * running the work again), and its metrics writes, keyed `metrics:<key>`.
 */
export function completedCheckpoints(runDir: string): Map<string, unknown> {
  const done = new Map<string, unknown>();
  for (const event of readJournal(runDir)) {
    if (event.event === "metrics") done.set(`metrics:${String(event.key)}`, true);
    const kind = event.event === "step-end" ? "step" : event.event === "scope-end" ? "scope" : null;
    if (!kind || event.status !== "ok" || event.checkpoint !== true) continue;
    const name = String(kind === "step" ? event.step : event.scope);
    const file = join(runDir, checkpointFile(kind, name));
    if (existsSync(file)) done.set(`${kind}:${name}`, JSON.parse(readFileSync(file, "utf8")));
  }
  return done;
}
