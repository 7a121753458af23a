import type { Seconds } from "../cluster.ts";
import type { Testbed } from "../testbed.ts";

export interface WalltimeEvents {
  journal(event: Readonly<Record<string, unknown>>): void;
  warn(message: string): void;
  /** Stops the run cleanly (it stays resumable) before the testbed takes the nodes back. */
  interrupt(reason: string): void;
}

/**
 * Watches a reservation's walltime: warns when 10 % of it (at most 10 min)
 * is left, extends it where the testbed allows (up to `extensions` times, by
 * the original walltime), and stops the run when 2 % (at most 1 min) is left,
 * so that the archive is consistent and `resume` can continue on a new
 * reservation. Returns the function that stops watching.
 */
export function watchWalltime(testbed: Testbed, walltime: Seconds, extensions: number, events: WalltimeEvents): () => void {
  const warnBefore = Math.min(600, walltime * 0.1) * 1000;
  const stopBefore = Math.min(60, walltime * 0.02) * 1000;
  let extensionsLeft = extensions;
  let warned = false;
  let busy = false;
  const check = async (): Promise<void> => {
    const end = testbed.walltimeEnd?.() ?? null;
    if (end === null || busy) return;
    const left = end - Date.now();
    if (left <= warnBefore && extensionsLeft > 0 && testbed.extendWalltime) {
      busy = true;
      extensionsLeft -= 1;
      const extended = await testbed.extendWalltime(walltime).catch(() => null);
      busy = false;
      events.journal({ event: "walltime-extension", granted: extended !== null, end: extended === null ? new Date(end).toISOString() : new Date(extended).toISOString() });
      if (extended !== null) {
        warned = false;
        events.warn(`walltime extended by ${walltime} s, now ends ${new Date(extended).toISOString()}`);
        return;
      }
    }
    if (left <= stopBefore) {
      events.journal({ event: "walltime-end", end: new Date(end).toISOString() });
      events.interrupt(`walltime of the ${testbed.kind} reservation ends at ${new Date(end).toISOString()}: stopped to keep the archive consistent (resume to continue)`);
    } else if (left <= warnBefore && !warned) {
      warned = true;
      events.journal({ event: "walltime-warning", end: new Date(end).toISOString(), secondsLeft: Math.round(left / 1000) });
      events.warn(`walltime ends in ${Math.round(left / 1000)} s (${new Date(end).toISOString()})`);
    }
  };
  const timer = setInterval(() => void check(), Math.max(50, Math.min(30_000, stopBefore / 2)));
  timer.unref();
  return () => clearInterval(timer);
}
