/** The public API workflows import: `import { workflow, param } from "g5k-flow"`. */
export { workflow, type ChartSpec, type Context, type ExecOptions, type ReportSpec, type ResultsSpec, type Json, type Reservation, type RunOptions, type ScheduleOptions, type SweepResult, type Workflow, type WorkflowDefinition } from "./dsl/workflow.ts";
export { param, parseDuration, type ParamSpec, type ParamSpecs, type ParamValues } from "./dsl/params.ts";
export type { Host, Node, Vm, NodeCapacity, RoleHosts, Roles } from "./hosts.ts";
export type { RoleSpec, RoleSpecs } from "./roles.ts";
export { remote, local, put, get, broadcast, sequence, parallel, type Action, type ActionOptions, type BroadcastOptions, type CompositeOptions, type RemoteOptions, type RunnerChoice } from "./actions/types.ts";
export { TREE_FROM, type FanoutSupport } from "./actions/runners.ts";
export type { ActionReport, CommandSpec, HostResult, HostStatus } from "./process/types.ts";
export type { Monitoring, MonitoringSummary, MonitorOptions, NetemOptions, NetemReport, NetemRule, RttCheck } from "./services/index.ts";
export type { ClusterRuntime, MigrationResult, Observation, Seconds } from "./cluster.ts";
export type { MetricRow, SchedulerReport, SchedulerPlugin } from "./scheduler.ts";
export type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedMetrics, TestbedPlugin, ViolationInterval } from "./testbed.ts";
export { UsageError } from "./errors.ts";
export { repeatSeed, streamSeed } from "./random/streams.ts";
export { mean, meanInterval, median, quantile, round, stddev, sum, variance, welchTest, type MeanInterval, type WelchTest } from "./metrics/stats.ts";
export { migrationRows, overloadRows, overloads, schedulingFigures, type Overload, type SchedulingFigures } from "./metrics/figures.ts";
export { space, type Point, type Space } from "./dsl/space.ts";
export { PolicyError, underPolicy, type FailurePolicy, type PolicyReport } from "./policy.ts";
