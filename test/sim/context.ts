import type { StepContext } from "../../engine/testbed.ts";

/** A StepContext that records what a testbed reports, for assertions. */
export function recordingContext(seed: number, signal: AbortSignal = new AbortController().signal) {
  const journal: Record<string, unknown>[] = [];
  const progress: { done: number; total: number }[] = [];
  const ctx: StepContext = {
    step: "test",
    signal,
    seed,
    log: () => undefined,
    progress: (c) => progress.push({ done: c.done, total: c.total }),
    journal: (e) => journal.push({ ...e }),
    keepOutput: () => undefined,
  };
  return { ctx, journal, progress };
}
