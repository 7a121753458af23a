import type { ClusterRuntime, Seconds } from "../../engine/cluster.ts";
import type { SolveOptions } from "./solver/solve.ts";

/** Simulated seconds per work unit, probed once per runtime (the probe is charged to its clock's counter once). */
const secondsPerUnit = new WeakMap<ClusterRuntime, Seconds>();

/**
 * The budget of one solve allowed `timeLimit` seconds of testbed time. On the
 * simulated clock compute time is work × a fixed cost, so the limit becomes a
 * work count: the solve stops at the same point on every rerun, however busy
 * the machine. Real testbeds keep the wall-clock limit.
 */
export function solveLimits(cluster: ClusterRuntime, timeLimit: Seconds): SolveOptions {
  if (cluster.clock !== "simulated") return { timeLimitSeconds: timeLimit };
  let cost = secondsPerUnit.get(cluster);
  if (cost === undefined) {
    cost = cluster.computeDelay(1, 0);
    secondsPerUnit.set(cluster, cost);
  }
  // Free compute never runs out of simulated time; the search still ends when it stops improving.
  return { timeLimitSeconds: timeLimit, workLimit: cost > 0 ? Math.floor(timeLimit / cost) : Infinity };
}
