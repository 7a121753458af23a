import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar";
import { UsageError } from "../errors.ts";

/**
 * Unpacks a `g5k-flow pack` artifact into a fresh temporary folder and
 * returns the run archive inside it (`<id>/run`). Anything that is not such
 * an artifact is bad input.
 */
export async function unpackArtifact(file: string): Promise<string> {
  const into = mkdtempSync(join(tmpdir(), "g5k-unpack-"));
  try {
    await extract({ file, cwd: into, strict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${file} is not a g5k-flow artifact (.tar.gz from pack): ${reason}`);
  }
  const tops = readdirSync(into);
  const run = tops.length === 1 ? join(into, tops[0], "run") : null;
  if (!run || !existsSync(join(run, "manifest.json"))) throw new UsageError(`${file} is not a g5k-flow artifact: no <run>/run/manifest.json inside`);
  return run;
}
