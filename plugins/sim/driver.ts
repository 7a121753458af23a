import type { Seconds } from "../../engine/cluster.ts";
import type { StepCounters } from "../../engine/progress/types.ts";
import type { StepContext } from "../../engine/testbed.ts";
import type { EventKernel } from "./kernel.ts";

/** Wall time between yields to the Node event loop while simulating (progress rendering, abort). */
const YIELD_EVERY_MS = 50;
/** Events fired between two wall-clock checks. */
const BATCH = 4096;

interface Waiter {
  /** Absolute simulated time the caller waits for (Infinity: until `ready`). */
  readonly until: Seconds;
  readonly ready: (() => boolean) | undefined;
  readonly ctx: StepContext;
  readonly start: Seconds;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Moves simulated time for every caller that waits on it at once, so
 * concurrent testbed calls (`Promise.all` of migrations, a migration during
 * a scheduler's `advance`) overlap in simulated time instead of running one
 * after another.
 *
 * Time moves only while at least one call waits, and it moves up to the
 * earliest of what the waiters need: a time (advance, provisioning) or an
 * event of theirs (a migration's end, flagged with `wake`). As soon as one is
 * satisfied, it is resolved and the driver lets the event loop run before
 * moving on: its caller's next calls start at that same simulated instant.
 * Callers of the same instant are all registered before time first moves.
 * So the interleaving depends only on simulated events, never on wall time
 * (unless a caller awaits something outside the testbed in between, which
 * lets time run on without it).
 */
export class KernelDriver {
  private readonly waiters: Waiter[] = [];
  private driving = false;
  private woken = false;
  private readonly isWoken = (): boolean => this.woken;

  constructor(private readonly kernel: EventKernel) {}

  /** Flags that a waiter's `ready` may hold now: the kernel stops after the current event. */
  wake(): void {
    this.woken = true;
  }

  /** Resolves once simulated time reached `until` (every event up to it fired) or `ready()` holds after a `wake`. */
  wait(until: Seconds, ctx: StepContext, ready?: () => boolean): Promise<void> {
    ctx.signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ until, ready, ctx, start: this.kernel.now(), resolve, reject });
      if (!this.driving) {
        this.driving = true;
        void this.drive();
      }
    });
  }

  private async drive(): Promise<void> {
    try {
      await nextTurn();
      let lastYield = performance.now();
      while (this.waiters.length > 0) {
        let target = Infinity;
        for (const w of this.waiters) target = Math.min(target, w.until);
        this.woken = false;
        const fired = this.kernel.runUntil(target, BATCH, this.isWoken);
        if (this.settle()) {
          await nextTurn();
          lastYield = performance.now();
          continue;
        }
        if (fired === 0) throw new Error("simulation has no pending event: it would wait forever");
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          for (const w of this.waiters) w.ctx.progress(this.progressOf(w));
          await nextTurn();
          this.dropAborted();
          lastYield = performance.now();
        }
      }
    } catch (error) {
      for (const w of this.waiters.splice(0)) w.reject(error);
    } finally {
      this.driving = false;
    }
  }

  /** Resolves the satisfied waiters, in registration order; true if any. */
  private settle(): boolean {
    const now = this.kernel.now();
    const drained = this.kernel.peekTime();
    let any = false;
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if ((w.ready !== undefined && w.ready()) || (now >= w.until && drained > w.until)) {
        this.waiters.splice(i, 1);
        const done = now - w.start;
        w.ctx.progress({ done, total: w.until === Infinity ? done : w.until - w.start, unit: "simulated s" });
        w.resolve();
        any = true;
      } else {
        i++;
      }
    }
    return any;
  }

  private dropAborted(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (w.ctx.signal.aborted) {
        this.waiters.splice(i, 1);
        w.reject(w.ctx.signal.reason);
      } else {
        i++;
      }
    }
  }

  private progressOf(w: Waiter): StepCounters {
    return { done: this.kernel.now() - w.start, total: w.until === Infinity ? 0 : w.until - w.start, unit: "simulated s" };
  }
}
