import type { ClusterRuntime, MigrationResult, TimerHandle } from "../../engine/cluster.ts";
import type { MetricRow, Scheduler, SchedulerPlugin, SchedulerReport } from "../../engine/scheduler.ts";
import { solveLimits } from "./limits.ts";
import { solveColumns, type PlannedMigration } from "./observation.ts";
import { observeColumns } from "../../engine/observation-columns.ts";
import { resolveOptions, type EntropyOptions } from "./options.ts";
import { loadExactSolver } from "./solver/exact/highs.ts";
import type { SolveOptions } from "./solver/solve.ts";

/**
 * The centralized loop: observe, solve over all nodes, wait the compute
 * delay (charged to the testbed clock: this is what makes Entropy slow at
 * scale), apply the migrations in plan order, and start the next period once
 * both the period and the reconfiguration are over.
 */
export const entropyScheduler: SchedulerPlugin<EntropyOptions> = {
  name: "entropy",
  description: "centralized Entropy/BtrPlace-style repair: periodic observe, solve, plan, migrate",
  create: (cluster, options = {}) => new EntropyLoop(cluster, resolveOptions(options)),
  prepare: async (options = {}) => {
    if (resolveOptions(options).solver === "exact") await loadExactSolver();
  },
};

class EntropyLoop implements Scheduler {
  private running = false;
  private timer: TimerHandle | null = null;
  private computeSeconds = 0;
  private readonly migrations: MigrationResult[] = [];
  private readonly rows: MetricRow[] = [];
  private readonly limits: SolveOptions;

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly options: EntropyOptions,
  ) {
    this.limits = { ...solveLimits(cluster, options.timeLimit), solver: options.solver };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = this.cluster.setTimer(0, () => this.period());
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  report(): SchedulerReport {
    return {
      scheduler: "entropy",
      computeSeconds: this.computeSeconds,
      decisions: this.rows.length,
      migrations: [...this.migrations],
      tables: { entropy: [...this.rows] },
    };
  }

  private period(): void {
    if (!this.running) return;
    const started = this.cluster.now();
    const { plan, managedVms } = solveColumns(observeColumns(this.cluster), this.limits);
    const delay = this.cluster.computeDelay(plan.work, plan.seconds);
    // Simulated: the charged delay, from the work count (wall time would differ between reruns); real: the time it took.
    const seconds = this.cluster.clock === "wall" ? plan.seconds : delay;
    this.computeSeconds += seconds;
    this.rows.push({
      start: started,
      computeSeconds: seconds,
      work: plan.work,
      managedVms,
      migrations: plan.actions.length,
      status: plan.status,
    });
    this.timer = this.cluster.setTimer(delay, () => {
      this.apply(plan.actions, () => {
        const next = Math.max(0, started + this.options.period - this.cluster.now());
        if (this.running) this.timer = this.cluster.setTimer(next, () => this.period());
      });
    });
  }

  /**
   * Starts each migration once every migration that ends, in the plan, no
   * later than it starts has completed (its destination room or its pivot
   * leg); `done` runs when all have completed, whatever their outcome.
   */
  private apply(actions: readonly PlannedMigration[], done: () => void): void {
    if (actions.length === 0) return done();
    const byEnd = actions.map((_, i) => i).sort((a, b) => actions[a].end - actions[b].end || a - b);
    const needs = actions.map((a) => countEndingBy(actions, byEnd, a.start + 1e-9));
    const finished = new Uint8Array(actions.length);
    let prefix = 0;
    let next = 0;
    let completed = 0;
    const launch = (): void => {
      while (next < actions.length && needs[next] <= prefix) {
        const i = next++;
        const a = actions[i];
        this.cluster.migrate(a.vm, a.to, (result) => {
          this.migrations.push(result);
          finished[i] = 1;
          while (prefix < byEnd.length && finished[byEnd[prefix]]) prefix++;
          if (++completed === actions.length) done();
          else launch();
        });
      }
    };
    launch();
  }
}

/** Number of actions (in `byEnd` order) whose plan end is at most `time` (binary search). */
function countEndingBy(actions: readonly PlannedMigration[], byEnd: readonly number[], time: number): number {
  let lo = 0;
  let hi = byEnd.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (actions[byEnd[mid]].end <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
