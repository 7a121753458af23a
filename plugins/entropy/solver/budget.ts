/**
 * Bounds a solve (anytime: callers keep their best result when it runs out)
 * and counts deterministic work units (candidate evaluations), which the
 * simulator converts into compute time. With a work limit the bound is that
 * count alone, so a rerun stops at the same point however busy the machine
 * is; without one it is wall time (real testbeds, `g5k-flow solve`).
 */
export class Budget {
  work = 0;
  private readonly started = performance.now();
  private readonly deadline: number;

  constructor(
    timeLimitSeconds: number,
    private readonly workLimit?: number,
  ) {
    this.deadline = this.started + timeLimitSeconds * 1000;
  }

  charge(units: number): void {
    this.work += units;
  }

  expired(): boolean {
    return this.workLimit === undefined ? performance.now() > this.deadline : this.work >= this.workLimit;
  }

  /** Measured wall time, for reports only: never a decision input. */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
