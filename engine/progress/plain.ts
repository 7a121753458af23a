import type { Writable } from "node:stream";
import { formatCounters, type ProgressRenderer, type StepCounters, type StepStatus } from "./types.ts";

/**
 * Line output for logs, CI and pipes: one line per step event, progress
 * counters at most every few seconds (never one line per host).
 */
export class PlainProgress implements ProgressRenderer {
  private readonly lastProgressAt = new Map<string, number>();

  constructor(
    private readonly out: Writable,
    private readonly everyMs = 5000,
  ) {}

  scopeStarted(scope: string): void {
    this.line(`▶ ${scope}`);
  }

  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void {
    this.stepEnded(scope, status, seconds, error);
  }

  stepStarted(step: string): void {
    this.line(`▶ ${step}`);
  }

  stepProgress(step: string, counters: StepCounters): void {
    const now = Date.now();
    if (now - (this.lastProgressAt.get(step) ?? 0) < this.everyMs) return;
    this.lastProgressAt.set(step, now);
    this.line(`  ${step}: ${formatCounters(counters)}`);
  }

  stepLog(step: string, message: string): void {
    this.line(`  ${step}: ${message}`);
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    const mark = status === "ok" ? "✔" : "✖";
    this.line(`${mark} ${step} ${status} in ${seconds.toFixed(2)}s${error ? `: ${error}` : ""}`);
  }

  async close(): Promise<void> {}

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}
