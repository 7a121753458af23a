/**
 * The pre-copy recurrence of plugins/sim/README.md, written independently of
 * the simulator, for hand-computed expectations. Reference setting of
 * docs/simulation.md: B = S = 125 MB/s, path latency L = 100 µs (two 50 µs
 * links), 1024 MiB VMs.
 */
export const B = 125e6;
export const L = 100e-6;
export const M = 1024 * 1024 * 1024;
export const WS = 0.9 * M;

export interface Precopy {
  total: number;
  rounds: number;
  downtime: number;
  converged: boolean;
}

/**
 * One migration sending at a constant bandwidth b from time 0, its VM
 * dirtying `dirtied(t0, t1)` bytes between t0 and t1 (the integral of its
 * dirty rate). Each transfer of x bytes takes L + x / b.
 */
export function precopyWith(b: number, dirtied: (t0: number, t1: number) => number, cap = 20): Precopy {
  let t = 0;
  let d = L + M / b;
  let threshold = (M / d) * 0.03;
  let x = Math.min(dirtied(t, t + d), WS);
  t += d;
  let rounds = 0;
  while (x > threshold) {
    if (rounds === cap) return { total: t, rounds, downtime: 0, converged: false };
    rounds++;
    d = L + x / b;
    threshold = (x / d) * 0.03;
    x = Math.min(dirtied(t, t + d), WS);
    t += d;
  }
  const downtime = L + x / b;
  return { total: t + downtime + L, rounds, downtime, converged: true };
}

/** n identical VMs migrating at once on one link (b = B / n), each dirtying p * u * B (u: the cores it obtains). */
export function precopy(p: number, u: number, n: number, cap = 20): Precopy {
  const r = p * u * B;
  return precopyWith(B / n, (t0, t1) => r * (t1 - t0), cap);
}
