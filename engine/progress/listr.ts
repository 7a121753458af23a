import { Listr } from "listr2";
import { formatCounters, type ProgressRenderer, type StepCounters, type StepStatus } from "./types.ts";

/** One line on the terminal: a step outside any scope, or a whole scope. */
interface LiveTask {
  title(text: string): void;
  output(text: string): void;
  finish(error?: Error): void;
}

/**
 * listr2 tasks as the workflow reaches them: one per step, and one per scope
 * whose line shows the scope's current step and counters, then collapses
 * into "✔ scope (N steps, T s)" — a sweep of 15 points stays 15 lines.
 */
export class ListrProgress implements ProgressRenderer {
  private readonly tasks = new Map<string, LiveTask>();
  private readonly scopeSteps = new Map<string, number>();
  /** Lists render one after the other so two tasks never fight over the terminal. */
  private tail: Promise<void> = Promise.resolve();

  scopeStarted(scope: string): void {
    this.scopeSteps.set(scope, 0);
    this.open(scope);
  }

  scopeEnded(scope: string, status: StepStatus, seconds: number, error?: string): void {
    const steps = this.scopeSteps.get(scope) ?? 0;
    this.scopeSteps.delete(scope);
    this.close1(scope, `${scope} (${steps} steps, ${seconds.toFixed(1)}s)`, status, error);
  }

  stepStarted(step: string): void {
    const scope = this.scopeOf(step);
    if (scope === null) return this.open(step);
    this.scopeSteps.set(scope, (this.scopeSteps.get(scope) ?? 0) + 1);
    this.tasks.get(scope)?.output(step.slice(scope.length + 1));
  }

  stepProgress(step: string, counters: StepCounters): void {
    const scope = this.scopeOf(step);
    if (scope === null) this.tasks.get(step)?.title(`${step} ${formatCounters(counters)}`);
    else this.tasks.get(scope)?.output(`${step.slice(scope.length + 1)} ${formatCounters(counters)}`);
  }

  stepLog(step: string, message: string): void {
    this.tasks.get(this.scopeOf(step) ?? step)?.output(message);
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    // a step in a scope ends with its scope
    if (this.scopeOf(step) === null) this.close1(step, `${step} (${seconds.toFixed(1)}s)`, status, error);
  }

  async close(): Promise<void> {
    for (const task of this.tasks.values()) task.finish(new Error("not finished"));
    this.tasks.clear();
    await this.tail;
  }

  /** The innermost open scope holding `step`, or null. */
  private scopeOf(step: string): string | null {
    let best: string | null = null;
    for (const scope of this.scopeSteps.keys()) {
      if (step.startsWith(`${scope}/`) && (best === null || scope.length > best.length)) best = scope;
    }
    return best;
  }

  private close1(name: string, title: string, status: StepStatus, error?: string): void {
    const task = this.tasks.get(name);
    if (!task) return;
    task.title(title);
    task.finish(status === "ok" ? undefined : new Error(`${name} ${status}${error ? `: ${error}` : ""}`));
    this.tasks.delete(name);
  }

  private open(name: string): void {
    let finish!: (error?: Error) => void;
    const finished = new Promise<Error | undefined>((resolve) => (finish = resolve));
    // updates that arrive before listr2 starts the task are kept and applied when it does
    let title = name;
    let output = "";
    let live: { title: (t: string) => void; output: (t: string) => void } | null = null;
    const list = new Listr(
      [
        {
          title,
          task: async (_ctx, task) => {
            live = { title: (t) => (task.title = t), output: (t) => (task.output = t) };
            task.title = title;
            if (output) task.output = output;
            const error = await finished;
            if (error) throw error;
          },
          rendererOptions: { persistentOutput: false },
        },
      ],
      { exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    this.tail = this.tail.then(() => list.run()).then(() => undefined, () => undefined);
    this.tasks.set(name, {
      title: (t) => (live ? live.title(t) : (title = t)),
      output: (t) => (live ? live.output(t) : (output = t)),
      finish,
    });
  }
}
