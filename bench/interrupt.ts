import { constants } from "node:os";

/*
 * What a bench sets up (namespaces, sshds, a testbed) is removed when the
 * bench is stopped early. Node exits at once on SIGINT or SIGTERM and skips
 * every `finally`; with a cleanup registered here, the first signal runs the
 * registered cleanups, newest first, then exits 128+N (130, 143). A second
 * signal exits at once.
 */

const cleanups: (() => Promise<unknown>)[] = [];
let benchName = "";

function onSignal(signal: NodeJS.Signals): void {
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.stderr.write(`bench:${benchName}: ${signal}, removing what it set up\n`);
  // The bench's own work fails as its hosts go away: those errors are not the news.
  process.on("uncaughtException", () => undefined);
  process.on("unhandledRejection", () => undefined);
  void (async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => process.stderr.write(`bench:${benchName}: cleanup: ${String(err)}\n`));
    process.exit(128 + constants.signals[signal]);
  })();
}

/** Runs `cleanup` if the bench is interrupted; the returned function unregisters it (call it once the bench cleaned up itself). */
export function cleanupOnInterrupt(name: string, cleanup: () => Promise<unknown>): () => void {
  benchName = name;
  if (cleanups.length === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  cleanups.push(cleanup);
  return () => {
    const i = cleanups.indexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
    if (cleanups.length === 0) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  };
}
