/**
 * The placement model (Entropy 2 / BtrPlace): nodes with per-resource
 * capacities, VMs with a state and per-resource demands, the current mapping
 * and the constraints. Elements are dense indices so the solver works on
 * typed arrays at 5,000 nodes / 30,000 VMs.
 */
import type { Constraint } from "../constraints/constraint.ts";

export type VmStatus = "running" | "ready" | "sleeping" | "killed";

/** Action durations, in seconds. */
export interface Durations {
  readonly migrate: Float64Array;
  readonly bootVm: Float64Array;
  readonly shutdownVm: Float64Array;
  readonly bootNode: Float64Array;
  readonly shutdownNode: Float64Array;
}

export interface Problem {
  readonly nodes: readonly string[];
  readonly vms: readonly string[];
  readonly resources: readonly string[];
  /** Source state of each node. */
  readonly nodeOnline: readonly boolean[];
  /** capacity[r][node]. */
  readonly capacity: readonly Float64Array[];
  readonly vmStatus: readonly VmStatus[];
  /** Host of running and sleeping VMs, -1 otherwise. */
  readonly host: Int32Array;
  /** demand[r][vm]: current consumption. */
  readonly demand: readonly Float64Array[];
  readonly durations: Durations;
  readonly constraints: readonly Constraint[];
}

export function resourceIndex(p: Pick<Problem, "resources">, rc: string): number {
  return p.resources.indexOf(rc);
}
