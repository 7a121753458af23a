/** A counting semaphore: bounds connection set-ups and channels in flight. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /**
   * Called when a taker has to wait: lets an owner of idle slots give one
   * back (a connection's idle worker shells hold session slots, see workers.ts).
   */
  onFull?: () => void;

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.take();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Takes a slot, waiting for one if none is free; the function returned
   * gives it back (once). An abort while waiting leaves the queue and rejects.
   */
  async take(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    else {
      if (signal?.aborted) throw new Error("no longer waiting for a slot");
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(new Error("no longer waiting for a slot"));
        };
        this.waiting.push(turn);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.onFull?.();
      });
    }
    let held = true;
    return () => {
      if (held) this.release();
      held = false;
    };
  }

  /** Takers waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** One limiter per key, created on demand (per sshd, per connection). */
export class KeyedLimiter {
  private readonly limiters = new Map<string, Limiter>();
  constructor(private readonly limit: number) {}
  for(key: string): Limiter {
    let l = this.limiters.get(key);
    if (!l) this.limiters.set(key, (l = new Limiter(this.limit)));
    return l;
  }
}
