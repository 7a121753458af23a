import { Listr } from "listr2";
import { formatCounters, type ProgressRenderer, type StepCounters, type StepStatus } from "./types.ts";

interface LiveStep {
  title: (text: string) => void;
  output: (text: string) => void;
  finish: (error?: Error) => void;
  done: Promise<void>;
}

/**
 * listr2 task per step, its title carrying the counters. Steps are only
 * known as the workflow reaches them, so each gets its own one-task list.
 */
export class ListrProgress implements ProgressRenderer {
  private readonly live = new Map<string, LiveStep>();
  /** Lists render one after the other so two steps never fight over the terminal. */
  private tail: Promise<void> = Promise.resolve();

  stepStarted(step: string): void {
    let resolveTask!: (error?: Error) => void;
    const taskDone = new Promise<Error | undefined>((resolve) => (resolveTask = resolve));
    let setTitle: (text: string) => void = () => {};
    let setOutput: (text: string) => void = () => {};
    const list = new Listr(
      [
        {
          title: step,
          task: async (_ctx, task) => {
            setTitle = (text) => (task.title = text);
            setOutput = (text) => (task.output = text);
            const error = await taskDone;
            if (error) throw error;
          },
          rendererOptions: { persistentOutput: false },
        },
      ],
      { exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    const done = this.tail.then(() => list.run()).then(() => undefined, () => undefined);
    this.tail = done;
    this.live.set(step, {
      title: (t) => setTitle(t),
      output: (t) => setOutput(t),
      finish: resolveTask,
      done,
    });
  }

  stepProgress(step: string, counters: StepCounters): void {
    this.live.get(step)?.title(`${step} ${formatCounters(counters)}`);
  }

  stepLog(step: string, message: string): void {
    this.live.get(step)?.output(message);
  }

  stepEnded(step: string, status: StepStatus, seconds: number, error?: string): void {
    const live = this.live.get(step);
    if (!live) return;
    live.title(`${step} (${seconds.toFixed(1)}s)`);
    live.finish(status === "ok" ? undefined : new Error(`${step} ${status}${error ? `: ${error}` : ""}`));
    this.live.delete(step);
  }

  async close(): Promise<void> {
    for (const live of this.live.values()) live.finish(new Error("not finished"));
    await this.tail;
  }
}
