import type { Writable } from "node:stream";
import { Etas } from "./eta.ts";
import { formatCounters, formatSweep, type ProgressRenderer, type StepCounters, type StepStatus, type SweepCounters } from "./types.ts";

/**
 * Line output for logs, CI and pipes: one line per step event and per sweep
 * point, progress counters at most every few seconds (never one line per host).
 */
export class PlainProgress implements ProgressRenderer {
  private readonly lastProgressAt = new Map<string, number>();
  private readonly etas = new Etas();

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

  sweepProgress(sweep: string, counters: SweepCounters): void {
    this.line(`  ${formatSweep(sweep, counters, this.etas.estimate(`sweep:${sweep}`, counters.done + counters.failed, counters.total))}`);
  }

  stepStarted(step: string): void {
    this.line(`▶ ${step}`);
  }

  stepProgress(step: string, counters: StepCounters): void {
    const eta = this.etas.estimate(step, counters.done, counters.total);
    const now = Date.now();
    if (now - (this.lastProgressAt.get(step) ?? 0) < this.everyMs) return;
    this.lastProgressAt.set(step, now);
    this.line(`  ${step}: ${formatCounters(counters, eta)}`);
  }

  stepLog(step: string, message: string): void {
    this.line(`  ${step}: ${message}`);
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    this.etas.forget(step);
    const mark = status === "ok" ? "✔" : "✖";
    this.line(`${mark} ${step} ${status} in ${seconds.toFixed(2)}s${error ? `: ${error}` : ""}`);
  }

  /** On stderr, as every message that is not progress. */
  notice(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  async close(): Promise<void> {}

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}
