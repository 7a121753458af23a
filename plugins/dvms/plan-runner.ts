import type { MigrationResult } from "../../engine/cluster.ts";
import type { PartitionPlan } from "./solver.ts";

export type PlanAction = PartitionPlan["actions"][number];

/**
 * Applies a plan in waves of equal planned start: a wave starts once the
 * previous one has ended, so every action whose room depends on earlier
 * ones (the planner's schedule) finds it, whatever the real durations.
 */
export function runPlan(
  actions: readonly PlanAction[],
  migrate: (vm: string, to: string, done: (result: MigrationResult) => void) => void,
  finished: (results: readonly MigrationResult[]) => void,
): void {
  const starts = [...new Set(actions.map((a) => a.start))].sort((a, b) => a - b);
  const waves = starts.map((s) => actions.filter((a) => a.start === s));
  const results: MigrationResult[] = [];
  const next = (index: number): void => {
    if (index === waves.length) {
      finished(results);
      return;
    }
    const wave = waves[index];
    let remaining = wave.length;
    for (const action of wave) {
      migrate(action.vm, action.to, (result) => {
        results.push(result);
        if (--remaining === 0) next(index + 1);
      });
    }
  };
  next(0);
}
