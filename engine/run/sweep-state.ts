import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export type PointState = "todo" | "in-progress" | "done" | "skipped" | "failed";
export const POINT_STATES: readonly PointState[] = ["todo", "in-progress", "done", "skipped", "failed"];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One sweep's persisted point states, as files in `sweeps/<name>/`: a point
 * is claimed by creating `<key>.claim` exclusively (so two processes never
 * run the same point), and done or failed by an atomic rename of its result.
 * A kill at any moment leaves either a claim of a dead process, which the
 * next claimer takes over, or a complete result.
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
    if (this.holder(key) !== null) return "in-progress";
    if (existsSync(this.file(key, "failed.json"))) return "failed";
    return "todo";
  }

  /** Takes the point for this process; false when a live process holds it or it is done. */
  claim(key: string): boolean {
    if (existsSync(this.file(key, "done.json"))) return false;
    const claim = this.file(key, "claim");
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(claim, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        rmSync(this.file(key, "failed.json"), { force: true });
        // done may have landed between the check and the claim
        if (existsSync(this.file(key, "done.json"))) {
          rmSync(claim, { force: true });
          return false;
        }
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number(readFileSync(claim, "utf8") || "0");
        if (owner > 0 && alive(owner)) return false;
        try {
          // only one taker wins the rename of a dead owner's claim
          renameSync(claim, `${claim}.stale-${process.pid}`);
          rmSync(`${claim}.stale-${process.pid}`, { force: true });
        } catch {
          /* another process took it over first: try again */
        }
      }
    }
    return false;
  }

  /** Owner of an in-progress point, if that process is alive. */
  holder(key: string): number | null {
    try {
      const pid = Number(readFileSync(this.file(key, "claim"), "utf8"));
      return pid > 0 && alive(pid) ? pid : null;
    } catch {
      return null;
    }
  }

  unclaim(key: string): void {
    rmSync(this.file(key, "claim"), { force: true });
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

  private writeAtomically(file: string, content: string): void {
    const tmp = `${file}.${process.pid}.tmp`;
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
