import { createLogUpdate } from "log-update";
import { styleText } from "node:util";
import { Etas } from "./eta.ts";
import { formatCounters, formatSweep, type ProgressRenderer, type StepCounters, type StepStatus, type SweepCounters } from "./types.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

/** A line of the live region: a step outside any scope, or a whole scope with its current step. */
interface Live {
  readonly scope: boolean;
  readonly title: string;
  detail: string;
  steps: number;
}

/**
 * The interactive terminal display: finished scopes and steps as permanent
 * lines ("✔ compare[scale=500,scheduler=dvms] (6 steps, 1.2s)"), and below
 * them a live region redrawn in place: each sweep's points done/total/failed
 * with an ETA, and each running scope or step with its counters (unit, ETA).
 * `close` (or the process exiting, even on a forced exit) erases the live
 * region, so no spinner glyph is left on screen.
 */
export class TerminalProgress implements ProgressRenderer {
  private readonly live = new Map<string, Live>();
  private readonly sweeps = new Map<string, { counters: SweepCounters; eta: number | null }>();
  private readonly etas = new Etas();
  private readonly update: ReturnType<typeof createLogUpdate>;
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private readonly onExit = (): void => this.update.clear();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    // the cursor stays visible: a killed run must not leave it hidden
    this.update = createLogUpdate(out, { showCursor: true });
  }

  scopeStarted(scope: string): void {
    this.live.set(scope, { scope: true, title: scope, detail: "", steps: 0 });
    this.redraw();
  }

  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void {
    const steps = this.live.get(scope)?.steps ?? 0;
    this.live.delete(scope);
    this.permanent(mark(status, `${scope} (${steps} steps, ${seconds.toFixed(1)}s)${status === "ok" ? "" : ` ${status}${error ? `: ${error}` : ""}`}`));
  }

  sweepProgress(sweep: string, counters: SweepCounters): void {
    const eta = this.etas.estimate(`sweep:${sweep}`, counters.done + counters.failed, counters.total);
    if (counters.done + counters.failed >= counters.total) {
      this.sweeps.delete(sweep);
      this.etas.forget(`sweep:${sweep}`);
      this.permanent(mark(counters.failed ? "failed" : "ok", formatSweep(sweep, counters)));
    } else {
      this.sweeps.set(sweep, { counters, eta });
      this.redraw();
    }
  }

  stepStarted(step: string): void {
    const scope = this.scopeOf(step);
    if (scope === null) {
      this.live.set(step, { scope: false, title: step, detail: "", steps: 0 });
    } else {
      const entry = this.live.get(scope)!;
      entry.steps += 1;
      entry.detail = step.slice(scope.length + 1);
    }
    this.redraw();
  }

  stepProgress(step: string, counters: StepCounters): void {
    const text = formatCounters(counters, this.etas.estimate(step, counters.done, counters.total));
    const scope = this.scopeOf(step);
    const entry = this.live.get(scope ?? step);
    if (!entry) return;
    entry.detail = scope === null ? text : `${step.slice(scope.length + 1)} ${text}`;
    this.redraw();
  }

  stepLog(step: string, message: string): void {
    const entry = this.live.get(this.scopeOf(step) ?? step);
    if (entry) {
      entry.detail = message;
      this.redraw();
    } else {
      // nothing running to show it beside (a walltime warning, a root-level log): keep it
      this.permanent(`  ${step}: ${message}`);
    }
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    this.etas.forget(step);
    // a step in a scope ends with its scope
    if (this.scopeOf(step) !== null) return;
    this.live.delete(step);
    this.permanent(mark(status, `${step} (${seconds.toFixed(1)}s)${status === "ok" ? "" : ` ${status}${error ? `: ${error}` : ""}`}`));
  }

  /** Written above the live region: a line written under it would be erased or leave a stale live line. */
  notice(message: string): void {
    this.permanent(styleText("yellow", message));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.update.clear();
    process.off("exit", this.onExit);
    this.live.clear();
    this.sweeps.clear();
  }

  /** The innermost open scope holding `step`, or null. */
  private scopeOf(step: string): string | null {
    let best: string | null = null;
    for (const [name, entry] of this.live) {
      if (entry.scope && step.startsWith(`${name}/`) && (best === null || name.length > best.length)) best = name;
    }
    return best;
  }

  /** A line that stays: written above the live region, which is then redrawn below it. */
  private permanent(line: string): void {
    this.update.clear();
    this.out.write(`${line}\n`);
    this.redraw();
  }

  private redraw(): void {
    if (this.timer === null && (this.live.size > 0 || this.sweeps.size > 0)) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % FRAMES.length;
        this.redraw();
      }, FRAME_MS);
      this.timer.unref();
      process.on("exit", this.onExit);
    }
    const spinner = styleText("yellow", FRAMES[this.frame]);
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const fit = (text: string): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
    const lines = [
      ...[...this.sweeps].map(([name, s]) => `${spinner} ${fit(formatSweep(name, s.counters, s.eta))}`),
      ...[...this.live.values()].map((l) => `${spinner} ${fit(l.detail ? `${l.title} › ${l.detail}` : l.title)}`),
    ];
    if (lines.length === 0) this.update.clear();
    else this.update(lines.join("\n"));
  }
}

function mark(status: StepStatus, text: string): string {
  return `${status === "ok" ? styleText("green", "✔") : styleText("red", "✖")} ${text}`;
}
