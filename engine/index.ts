/** The public API workflows import: `import { workflow, param } from "g5k-flow"`. */
export { workflow, type ChartSpec, type Context, type ReportSpec, type Json, type ScheduleOptions, type SweepResult, type Workflow, type WorkflowDefinition } from "./dsl/workflow.ts";
export { param, parseDuration, type ParamSpec, type ParamSpecs, type ParamValues } from "./dsl/params.ts";
export type { Host, Node, Vm, NodeCapacity, Roles } from "./hosts.ts";
export type { ClusterRuntime, MigrationResult, Observation, Seconds } from "./cluster.ts";
export type { MetricRow, SchedulerReport, SchedulerPlugin } from "./scheduler.ts";
export type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedMetrics, TestbedPlugin, ViolationInterval } from "./testbed.ts";
export { UsageError } from "./errors.ts";
export { mean, meanInterval, median, quantile, round, stddev, sum, variance, welchTest, type MeanInterval, type WelchTest } from "./metrics/stats.ts";
export { migrationRows, overloadRows, overloads, schedulingFigures, type Overload, type SchedulingFigures } from "./metrics/figures.ts";
export { space, type Point, type Space } from "./dsl/space.ts";
export { PolicyError, underPolicy, type FailurePolicy, type PolicyReport } from "./policy.ts";
