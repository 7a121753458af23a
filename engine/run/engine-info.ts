import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Engine version and lockfile hash, recorded in every manifest. */
export function engineInfo(): { version: string; node: string; lockfileSha256: string | null } {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };
  const lock = `${root}package-lock.json`;
  return {
    version: pkg.version,
    node: process.version,
    lockfileSha256: existsSync(lock) ? createHash("sha256").update(readFileSync(lock)).digest("hex") : null,
  };
}
