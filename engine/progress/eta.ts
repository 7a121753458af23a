/**
 * Remaining-time estimates from observed progress: the rate since the first
 * observation of each key (a step, a sweep), so work an earlier attempt did
 * (a resumed sweep's done points) does not inflate the rate.
 */
export class Etas {
  private readonly first = new Map<string, { readonly at: number; readonly done: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Seconds left for `key` at `done` of `total`, or null until there is a rate to go by. */
  estimate(key: string, done: number, total: number): number | null {
    const at = this.now();
    const first = this.first.get(key);
    if (!first) {
      this.first.set(key, { at, done });
      return null;
    }
    const elapsed = (at - first.at) / 1000;
    const progressed = done - first.done;
    if (elapsed < 0.5 || progressed <= 0 || done >= total) return null;
    return ((total - done) * elapsed) / progressed;
  }

  forget(key: string): void {
    this.first.delete(key);
  }
}
