export interface StepCounters {
  readonly done: number;
  readonly total: number;
  readonly failed?: number;
  readonly running?: number;
}

export type StepStatus = "ok" | "failed" | "interrupted";

/** How a run shows its steps to the person watching it. */
export interface ProgressRenderer {
  /** A scope (x.scope, a sweep point) groups the steps named `scope/...`. */
  scopeStarted(scope: string): void;
  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void;
  stepStarted(step: string): void;
  stepProgress(step: string, counters: StepCounters): void;
  stepLog(step: string, message: string): void;
  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void;
  close(): Promise<void>;
}

/** Counters may be simulated seconds: whole numbers stay whole, others get one decimal. */
const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function formatCounters(c: StepCounters): string {
  const pct = c.total > 0 ? Math.floor((100 * c.done) / c.total) : 0;
  const extra = [c.running ? `${c.running} running` : "", c.failed ? `${c.failed} failed` : ""].filter(Boolean);
  return `${count(c.done)}/${count(c.total)} (${pct}%)${extra.length ? `, ${extra.join(", ")}` : ""}`;
}
