import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./agent-main.ts", import.meta.url));

let built: Promise<string> | null = null;

/**
 * The DVMS agent as one self-contained JavaScript file (the agent, the
 * protocol, the Entropy solver and what they import), built once per
 * process with esbuild and kept under a name made of its content's sha256:
 * all the nodes need besides it is a Node.js runtime.
 */
export function agentBundle(): Promise<string> {
  built ??= (async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0].contents;
    const dir = join(tmpdir(), "g5k-flow-dvms-agent");
    const file = join(dir, `dvms-agent-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      await mkdir(dir, { recursive: true });
      const partial = `${file}.${process.pid}`;
      await writeFile(partial, code);
      await rename(partial, file);
    }
    return file;
  })();
  built.catch(() => (built = null));
  return built;
}
