import type { StepContext, TestbedInit } from "../../engine/testbed.ts";

/** A StepContext that keeps what steps say, for assertions; `onEvent` sees each journal event as it happens (to inject faults mid-step). */
export function recordingContext(step = "test", seed = 42, onEvent: (event: Readonly<Record<string, unknown>>) => void = () => undefined): StepContext & { readonly events: Record<string, unknown>[]; readonly lines: string[] } {
  const events: Record<string, unknown>[] = [];
  const lines: string[] = [];
  return {
    step,
    seed,
    signal: new AbortController().signal,
    log: (m) => void lines.push(m),
    progress: () => undefined,
    journal: (e) => {
      events.push({ ...e });
      onEvent(e);
    },
    keepOutput: () => undefined,
    events,
    lines,
  };
}

export function testbedInit(archiveDir: string, options: Record<string, string> = {}): TestbedInit & { readonly lines: string[] } {
  const lines: string[] = [];
  return { seed: 42, options, archiveDir, log: (m) => void lines.push(m), lines };
}
