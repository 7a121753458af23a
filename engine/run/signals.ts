import { InterruptedError } from "../errors.ts";

/**
 * First SIGINT/SIGTERM: abort the run (stop launching steps, let the runner
 * release the testbed). Second: `force` (exit now, archive marked interrupted).
 */
export function onInterrupt(controller: AbortController, notify: (message: string) => void, force: () => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
      notify(`${signal}: stopping, releasing what the run started (again to force exit)`);
      controller.abort(new InterruptedError(signal));
    } else {
      force();
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
