import type { SchedulerPlugin } from "../../engine/scheduler.ts";

/** The baseline: never migrates anything, so violations last as long as the load keeps them. */
export const noopScheduler: SchedulerPlugin = {
  name: "none",
  description: "no scheduling (baseline)",
  create: () => ({
    start: () => {},
    stop: () => {},
    report: () => ({ scheduler: "none", computeSeconds: 0, decisions: 0, migrations: [], tables: {} }),
  }),
};
