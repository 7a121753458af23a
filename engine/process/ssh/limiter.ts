/** A counting semaphore: bounds connection set-ups and channels in flight. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
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
