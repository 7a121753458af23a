import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

export type PointState = "todo" | "in-progress" | "done" | "skipped" | "failed";
export const POINT_STATES: readonly PointState[] = ["todo", "in-progress", "done", "skipped", "failed"];

/** Who holds a claim: a pid is not enough (pids are reused), so its start time and a nonce come along. */
interface Owner {
  readonly pid: number;
  readonly started: string;
  readonly nonce: string;
}

/** Start time of a live process (field 22 of /proc/<pid>/stat), or null when it is gone. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

const self: Owner = { pid: process.pid, started: startTimeOf(process.pid) ?? "", nonce: randomUUID() };

function alive(owner: Owner): boolean {
  if (owner.pid === self.pid) return owner.nonce === self.nonce;
  return startTimeOf(owner.pid) === owner.started;
}

/** A takeover lock older than this belongs to a process killed within its few microseconds. */
const STALE_TAKEOVER_MS = 10_000;

/** Name of a sweep's folder: reversible, and never `.` or `..`. */
export function sweepFolder(name: string): string {
  return encodeURIComponent(name).replace(/^\./, "%2E");
}

/**
 * One sweep's persisted point states, as files in `sweeps/<name>/`. A point
 * is claimed by hard-linking a complete owner record to `<key>.claim` (an
 * atomic create that fails if it exists), so two processes never run the
 * same point; done or failed by an atomic rename of its result. A kill at any
 * moment leaves either a claim of a dead process, which the next claimer
 * takes over under a lock, or a complete result.
 */
export class SweepState {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(key: string, suffix: string): string {
    return join(this.dir, `${encodeURIComponent(key)}.${suffix}`);
  }

  /** Records the point list (once) and the points a filter skipped. */
  declare(keys: readonly string[], skipped: readonly string[]): void {
    const list = join(this.dir, "points.json");
    if (!existsSync(list)) this.writeAtomically(list, JSON.stringify({ points: keys, skipped }));
  }

  points(): { points: string[]; skipped: string[] } {
    return JSON.parse(readFileSync(join(this.dir, "points.json"), "utf8"));
  }

  state(key: string): PointState {
    const list = this.points();
    if (list.skipped.includes(key)) return "skipped";
    if (existsSync(this.file(key, "done.json"))) return "done";
    if (this.holderAlive(key)) return "in-progress";
    if (existsSync(this.file(key, "failed.json"))) return "failed";
    return "todo";
  }

  /** Takes the point for this process; false when a live process holds it or it is done. */
  claim(key: string): boolean {
    if (existsSync(this.file(key, "done.json"))) return false;
    if (!this.create(this.file(key, "claim"), self)) {
      if (!this.takeOver(key)) return false;
    }
    rmSync(this.file(key, "failed.json"), { force: true });
    // done may have landed between the check and the claim
    if (existsSync(this.file(key, "done.json"))) {
      this.unclaim(key);
      return false;
    }
    return true;
  }

  /** True when this process holds the point. */
  holds(key: string): boolean {
    const owner = this.owner(this.file(key, "claim"));
    return owner !== null && owner !== "unreadable" && owner.pid === self.pid && owner.nonce === self.nonce;
  }

  unclaim(key: string): void {
    if (this.holds(key)) rmSync(this.file(key, "claim"), { force: true });
  }

  done(key: string, output: unknown): void {
    this.writeAtomically(this.file(key, "done.json"), JSON.stringify({ output: output ?? null }));
    rmSync(this.file(key, "claim"), { force: true });
  }

  fail(key: string, error: string): void {
    this.writeAtomically(this.file(key, "failed.json"), JSON.stringify({ error }));
    rmSync(this.file(key, "claim"), { force: true });
  }

  output(key: string): unknown {
    return (JSON.parse(readFileSync(this.file(key, "done.json"), "utf8")) as { output: unknown }).output;
  }

  failure(key: string): string | null {
    const file = this.file(key, "failed.json");
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { error: string }).error : null;
  }

  counts(): Record<PointState, number> {
    const list = this.points();
    const counts = Object.fromEntries(POINT_STATES.map((s) => [s, 0])) as Record<PointState, number>;
    for (const key of [...list.points, ...list.skipped]) counts[this.state(key)] += 1;
    return counts;
  }

  private holderAlive(key: string): boolean {
    const owner = this.owner(this.file(key, "claim"));
    // a claim being written or unreadable counts as held: the next look decides
    return owner === "unreadable" || (owner !== null && alive(owner));
  }

  /** Removes a dead owner's claim and claims the point, under a lock so two takers never both win. */
  private takeOver(key: string): boolean {
    const claim = this.file(key, "claim");
    const lock = this.file(key, "takeover");
    const before = this.owner(claim);
    if (before === "unreadable" || (before !== null && alive(before))) return false;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_TAKEOVER_MS) rmSync(lock, { force: true });
    } catch {
      /* no lock */
    }
    if (!this.create(lock, self)) return false;
    try {
      // re-read under the lock: another taker may have claimed it already
      const current = this.owner(claim);
      if (current === "unreadable" || (current !== null && alive(current))) return false;
      rmSync(claim, { force: true });
      return this.create(claim, self);
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /** Creates `file` holding `owner` atomically (hard link of a complete temporary file); false if it exists. */
  private create(file: string, owner: Owner): boolean {
    const tmp = `${file}.${self.pid}.${self.nonce}.tmp`;
    writeFileSync(tmp, JSON.stringify(owner));
    try {
      linkSync(tmp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private owner(file: string): Owner | null | "unreadable" {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return null;
    }
    try {
      const owner = JSON.parse(text) as Owner;
      return typeof owner.pid === "number" ? owner : "unreadable";
    } catch {
      return "unreadable";
    }
  }

  private writeAtomically(file: string, content: string): void {
    const tmp = `${file}.${self.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  }
}

/** Every sweep of a run archive, by name. */
export function sweepsOf(runDir: string): Map<string, SweepState> {
  const root = join(runDir, "sweeps");
  if (!existsSync(root)) return new Map();
  return new Map(
    readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "points.json")))
      .map((d) => [decodeURIComponent(d.name), new SweepState(join(root, d.name))]),
  );
}
