/** Reconfiguration actions, on element indices; times in seconds from the plan's start. */
export type Action =
  | { readonly kind: "migrate"; readonly vm: number; readonly from: number; readonly to: number; readonly start: number; readonly end: number }
  | {
      readonly kind: "boot" | "shutdown" | "kill" | "suspend" | "resume";
      readonly vm: number;
      readonly node: number;
      readonly start: number;
      readonly end: number;
    }
  | { readonly kind: "bootNode" | "shutdownNode"; readonly node: number; readonly start: number; readonly end: number };

export interface Plan {
  /** Ordered by start time, then by end time. */
  readonly actions: readonly Action[];
  /** Sum of action end times (BtrPlace's minimizeMTTR objective). */
  readonly cost: number;
  /** End of the last action. */
  readonly duration: number;
}

export function summarize(actions: Action[]): Plan {
  actions.sort((a, b) => a.start - b.start || a.end - b.end);
  let cost = 0;
  let duration = 0;
  for (const a of actions) {
    cost += a.end;
    duration = Math.max(duration, a.end);
  }
  return { actions, cost, duration };
}
