import type { StepContext, TestbedInit } from "../../engine/testbed.ts";

/** A StepContext that keeps what steps say, for assertions. */
export function recordingContext(step = "test", seed = 42): StepContext & { readonly events: Record<string, unknown>[]; readonly lines: string[] } {
  const events: Record<string, unknown>[] = [];
  const lines: string[] = [];
  return {
    step,
    seed,
    signal: new AbortController().signal,
    log: (m) => void lines.push(m),
    progress: () => undefined,
    journal: (e) => void events.push({ ...e }),
    keepOutput: () => undefined,
    events,
    lines,
  };
}

export function testbedInit(archiveDir: string, options: Record<string, string> = {}): TestbedInit & { readonly lines: string[] } {
  const lines: string[] = [];
  return { seed: 42, options, archiveDir, log: (m) => void lines.push(m), lines };
}
