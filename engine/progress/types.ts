export interface StepCounters {
  readonly done: number;
  readonly total: number;
  readonly failed?: number;
  readonly running?: number;
  /** What is counted: "simulated s", "s" (wall), "hosts", "VMs"... (none: plain counts). */
  readonly unit?: string;
}

/** Points of one sweep: done (this attempt or an earlier one), failed, out of total. */
export interface SweepCounters {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
}

export type StepStatus = "ok" | "failed" | "interrupted";

/** How a run shows its steps to the person watching it. */
export interface ProgressRenderer {
  /** A scope (x.scope, a sweep point) groups the steps named `scope/...`. */
  scopeStarted(scope: string): void;
  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void;
  /** A sweep's point counts: when it starts and after each point. */
  sweepProgress(sweep: string, counters: SweepCounters): void;
  stepStarted(step: string): void;
  stepProgress(step: string, counters: StepCounters): void;
  stepLog(step: string, message: string): void;
  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void;
  /** An engine notice (interrupt, walltime end): shown apart from the steps, kept. */
  notice(message: string): void;
  /** Ends the display: nothing transient (spinner, live lines) stays on screen. */
  close(): Promise<void>;
}

/** Counters may be simulated seconds: whole numbers stay whole, others get one decimal. */
const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** "42s", "3m05s", "1h02m": a duration for an ETA or a walltime. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** `215.3/1800 simulated s (11%), 2 failed, ETA 12s` */
export function formatCounters(c: StepCounters, eta: number | null = null): string {
  const pct = c.total > 0 ? Math.floor((100 * c.done) / c.total) : 0;
  const extra = [c.running ? `${c.running} running` : "", c.failed ? `${c.failed} failed` : "", eta !== null ? `ETA ${formatDuration(eta)}` : ""].filter(Boolean);
  return `${count(c.done)}/${count(c.total)}${c.unit ? ` ${c.unit}` : ""} (${pct}%)${extra.length ? `, ${extra.join(", ")}` : ""}`;
}

/** `sweep compare: 4/12 points done, 1 failed, ETA 20s` */
export function formatSweep(sweep: string, c: SweepCounters, eta: number | null = null): string {
  const extra = [c.failed ? `${c.failed} failed` : "", eta !== null ? `ETA ${formatDuration(eta)}` : ""].filter(Boolean);
  return `sweep ${sweep}: ${c.done}/${c.total} points done${extra.length ? `, ${extra.join(", ")}` : ""}`;
}
