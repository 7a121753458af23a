import { DefaultRenderer, Listr, type ListrTask, ListrTaskState } from "listr2";
import { Etas } from "./eta.ts";
import { formatCounters, formatSweep, type ProgressRenderer, type StepCounters, type StepStatus, type SweepCounters } from "./types.ts";

/** One task of the tree: a sweep, a step outside any scope, or a whole scope with its current step. */
interface Line {
  readonly scope: boolean;
  steps: number;
  detail(text: string): void;
  /** Final title; failed lines end as ✖ with it. */
  end(title: string, failed: boolean): void;
  /** Ends it now, synchronously, as failed: for a forced exit, which runs no more promise callbacks. */
  abandon(title: string): void;
}

/**
 * The interactive terminal display, one long-lived listr2 tree: a concurrent
 * root list whose tasks are added as sweeps, scopes and steps start, so
 * concurrent scopes are drawn at once. A sweep line counts its points
 * done/total/failed with an ETA; a scope shows its current step with its
 * counters (unit, ETA) and collapses into "✔ scope (N steps, T s)". listr2
 * runs a task list it was given up front, so each task added later runs in
 * its own silent list and is drawn by the root's renderer. `close` (or the
 * process exiting) ends the renderer, which leaves only finished lines.
 */
export class TerminalProgress implements ProgressRenderer {
  private readonly lines = new Map<string, Line>();
  private readonly etas = new Etas();
  private readonly settled: Promise<unknown>[] = [];
  /** The root list's tasks (what its renderer draws), its run, and what ends it. */
  private root: { tasks: unknown[]; run: Promise<unknown>; stop: () => void } | null = null;
  private renderer: DefaultRenderer | null = null;
  private readonly onExit = (): void => {
    for (const [name, line] of this.lines) line.abandon(`${name} interrupted`);
    this.renderer?.end();
  };

  scopeStarted(scope: string): void {
    this.open(scope, scope, true);
  }

  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void {
    const line = this.lines.get(scope);
    this.lines.delete(scope);
    line?.end(ending(`${scope} (${line.steps} steps, ${seconds.toFixed(1)}s)`, status, error), status !== "ok");
  }

  sweepProgress(sweep: string, counters: SweepCounters): void {
    const key = `sweep ${sweep}`;
    const eta = this.etas.estimate(key, counters.done + counters.failed, counters.total);
    const line = this.lines.get(key) ?? this.open(key, formatSweep(sweep, counters), false);
    if (counters.done + counters.failed < counters.total) return line.detail(formatSweep(sweep, counters, eta));
    this.lines.delete(key);
    this.etas.forget(key);
    line.end(formatSweep(sweep, counters), counters.failed > 0);
  }

  stepStarted(step: string): void {
    const scope = this.scopeOf(step);
    if (scope === null) return void this.open(step, step, false);
    const line = this.lines.get(scope)!;
    line.steps += 1;
    line.detail(`${scope} › ${step.slice(scope.length + 1)}`);
  }

  stepProgress(step: string, counters: StepCounters): void {
    const text = formatCounters(counters, this.etas.estimate(step, counters.done, counters.total));
    const scope = this.scopeOf(step);
    this.lines.get(scope ?? step)?.detail(scope === null ? `${step} › ${text}` : `${scope} › ${step.slice(scope.length + 1)} ${text}`);
  }

  stepLog(step: string, message: string): void {
    const scope = this.scopeOf(step);
    const line = this.lines.get(scope ?? step);
    // nothing running to show it beside (a walltime warning, a root-level log): keep it; listr2 prints it after the tree
    if (!line) return void process.stdout.write(`  ${step}: ${message}\n`);
    line.detail(`${scope ?? step} › ${message}`);
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    this.etas.forget(step);
    // a step in a scope ends with its scope
    if (this.scopeOf(step) !== null) return;
    const line = this.lines.get(step);
    this.lines.delete(step);
    line?.end(ending(`${step} (${seconds.toFixed(1)}s)`, status, error), status !== "ok");
  }

  /** A line of its own in the tree, listr2's yellow "↓" (a finished skipped task): a line written beside the tree would be erased by its redraw. */
  notice(message: string): void {
    this.add({ title: message, task: (_ctx, task) => task.skip() });
  }

  async close(): Promise<void> {
    for (const [name, line] of this.lines) line.end(`${name} interrupted`, true);
    this.lines.clear();
    await Promise.all(this.settled);
    if (!this.root) return;
    this.root.stop();
    await this.root.run;
    this.root = null;
    this.renderer = null;
    process.off("exit", this.onExit);
  }

  /** The innermost open scope holding `step`, or null. */
  private scopeOf(step: string): string | null {
    let best: string | null = null;
    for (const [name, line] of this.lines) {
      if (line.scope && step.startsWith(`${name}/`) && (best === null || name.length > best.length)) best = name;
    }
    return best;
  }

  /** Adds a running task to the tree, started on first use. */
  private open(name: string, title: string, scope: boolean): Line {
    let finish!: (error?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
    const task = this.add({ title, task: () => finished });
    const setTitle = (text: string): void => void (task.title$ = text);
    const line: Line = {
      scope,
      steps: 0,
      detail: (text) => setTitle(text),
      end: (text, failed) => {
        setTitle(text);
        finish(failed ? new Error(text) : undefined);
      },
      abandon: (text) => {
        setTitle(text);
        task.state$ = ListrTaskState.FAILED;
      },
    };
    this.lines.set(name, line);
    return line;
  }

  /** Runs `spec` in its own silent list, drawn by the root's renderer; its listr2 task. */
  private add(spec: ListrTask): Listr["tasks"][number] {
    const list = new Listr(spec, { renderer: "silent", exitOnError: false, registerSignalListeners: false });
    this.start().push(...list.tasks);
    this.settled.push(list.run().catch(() => undefined));
    return list.tasks[0];
  }

  private start(): unknown[] {
    if (this.root) return this.root.tasks;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const self = this;
    // the renderer kept so a forced exit can still end it (erase the live tree, show the cursor)
    class Renderer extends DefaultRenderer {
      constructor(...args: ConstructorParameters<typeof DefaultRenderer>) {
        super(...args);
        self.renderer = this;
      }
    }
    // an untitled task (not drawn) keeps the root list running until close
    const listr = new Listr([{ task: () => stopped }], {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: Renderer,
      rendererOptions: { collapseErrors: true, showErrorMessage: true, clearOutput: false },
    });
    this.root = { tasks: listr.tasks, run: listr.run(), stop };
    process.on("exit", this.onExit);
    return listr.tasks;
  }
}

function ending(text: string, status: StepStatus, error?: string): string {
  return status === "ok" ? text : `${text} ${status}${error ? `: ${error}` : ""}`;
}
