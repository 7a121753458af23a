import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The engine's npm lockfile, packed with runs (`g5k-flow pack`). */
export const LOCKFILE = `${root}package-lock.json`;

export interface EngineInfo {
  readonly version: string;
  readonly node: string;
  readonly lockfileSha256: string | null;
}

/** Engine version and lockfile hash, recorded in every manifest. */
export function engineInfo(): EngineInfo {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };
  return {
    version: pkg.version,
    node: process.version,
    lockfileSha256: existsSync(LOCKFILE) ? createHash("sha256").update(readFileSync(LOCKFILE)).digest("hex") : null,
  };
}

/**
 * One line saying how the engine that made a run differs from this one
 * (version, lockfile), or null when they match: a rerun elsewhere may then
 * differ for that reason alone.
 */
export function engineDifference(archived: EngineInfo, current: EngineInfo = engineInfo()): string | null {
  const lock = (sha: string | null): string => (sha ? sha.slice(0, 12) : "none");
  const version = archived.version !== current.version;
  const lockfile = archived.lockfileSha256 !== current.lockfileSha256;
  if (!version && !lockfile) return null;
  const what = [version ? "engine version" : "", lockfile ? "lockfile" : ""].filter(Boolean).join(" and ");
  return `${what} ${version && lockfile ? "differ" : "differs"} from the run's: archived engine ${archived.version}, lockfile ${lock(archived.lockfileSha256)}; this checkout engine ${current.version}, lockfile ${lock(current.lockfileSha256)} (results may differ for that reason)`;
}
