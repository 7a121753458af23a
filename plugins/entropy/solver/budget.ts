/**
 * Bounds a solve by wall time (anytime: callers keep their best result when
 * it runs out) and counts deterministic work units (candidate evaluations),
 * which the simulator converts into compute time so reruns are identical.
 */
export class Budget {
  work = 0;
  private readonly started = performance.now();
  private readonly deadline: number;

  constructor(timeLimitSeconds: number) {
    this.deadline = this.started + timeLimitSeconds * 1000;
  }

  charge(units: number): void {
    this.work += units;
  }

  expired(): boolean {
    return performance.now() > this.deadline;
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
