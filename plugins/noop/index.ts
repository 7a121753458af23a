import { UsageError } from "../../engine/errors.ts";
import type { SchedulerPlugin } from "../../engine/scheduler.ts";

/** The baseline: never migrates anything, so violations last as long as the load keeps them. */
export const noopScheduler: SchedulerPlugin = {
  name: "none",
  description: "no scheduling (baseline)",
  create: (_cluster, options = {}) => {
    const keys = Object.keys(options);
    if (keys.length > 0) throw new UsageError(`none: takes no options, got '${keys[0]}'`);
    return {
      start: () => {},
      stop: () => {},
      report: () => ({ scheduler: "none", computeSeconds: 0, decisions: 0, migrations: [], tables: {} }),
    };
  },
};
