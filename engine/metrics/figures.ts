import type { MigrationResult, Seconds } from "../cluster.ts";
import type { MetricRow, SchedulerReport } from "../scheduler.ts";
import type { TestbedMetrics } from "../testbed.ts";
import { mean, median, quantile, round, sum } from "./stats.ts";

/** One overload event: how long its node stayed overloaded (censored at the end of the observation). */
export interface Overload {
  readonly node: string;
  readonly start: Seconds;
  readonly end: Seconds;
  readonly timeToSolve: Seconds;
  readonly solved: boolean;
}

/** Overload events from a testbed's violation intervals. */
export function overloads(metrics: TestbedMetrics): Overload[] {
  const horizon = metrics.start + metrics.duration;
  return metrics.violations.map((v) => {
    const end = v.end ?? horizon;
    return { node: v.node, start: v.start, end, timeToSolve: end - v.start, solved: v.end !== null };
  });
}

/** The figures of the DVMS papers for one scheduler on one datacenter. */
export interface SchedulingFigures {
  readonly violations: number;
  readonly violationSeconds: number;
  readonly unsolved: number;
  readonly medianTimeToSolve: number | null;
  readonly p90TimeToSolve: number | null;
  readonly migrations: number;
  readonly failedMigrations: number;
  readonly meanMigrationSeconds: number | null;
  readonly migrationSeconds: number;
  readonly computeSeconds: number;
  readonly decisions: number;
  readonly meanComputeSeconds: number | null;
  readonly [key: string]: number | null;
}

export function schedulingFigures(events: readonly Overload[], metrics: TestbedMetrics, report: SchedulerReport): SchedulingFigures {
  const times = events.map((e) => e.timeToSolve);
  const ok = metrics.migrations.filter((m) => m.outcome === "ok");
  const durations = ok.map((m) => m.end - m.start);
  return {
    violations: events.length,
    violationSeconds: round(sum(times)) ?? 0,
    unsolved: events.filter((e) => !e.solved).length,
    medianTimeToSolve: round(median(times)),
    p90TimeToSolve: round(quantile(times, 0.9)),
    migrations: ok.length,
    failedMigrations: metrics.migrations.length - ok.length,
    meanMigrationSeconds: round(mean(durations)),
    migrationSeconds: round(sum(durations)) ?? 0,
    computeSeconds: round(report.computeSeconds) ?? 0,
    decisions: report.decisions,
    meanComputeSeconds: round(report.decisions > 0 ? report.computeSeconds / report.decisions : null, 6),
  };
}

export function migrationRows(migrations: readonly MigrationResult[], labels: Readonly<Record<string, string | number>>): MetricRow[] {
  return migrations.map((m) => ({ ...labels, vm: m.vm, from: m.from, to: m.to, start: round(m.start), end: round(m.end), duration: round(m.end - m.start), downtime: round(m.downtime, 4), rounds: m.rounds, outcome: m.outcome }));
}

export function overloadRows(events: readonly Overload[], labels: Readonly<Record<string, string | number>>): MetricRow[] {
  return events.map((e) => ({ ...labels, node: e.node, start: round(e.start), end: round(e.end), timeToSolve: round(e.timeToSolve), solved: e.solved }));
}
