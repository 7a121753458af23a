/** The public API workflows import: `import { workflow, param } from "g5k-flow"`. */
export { workflow, type ChartSpec, type Context, type ReportSpec, type Json, type ScheduleOptions, type Workflow, type WorkflowDefinition } from "./dsl/workflow.ts";
export { param, parseDuration, type ParamSpec, type ParamSpecs, type ParamValues } from "./dsl/params.ts";
export type { Host, Node, Vm, NodeCapacity, Roles } from "./hosts.ts";
export type { ClusterRuntime, MigrationResult, Observation, Seconds } from "./cluster.ts";
export type { MetricRow, SchedulerReport, SchedulerPlugin } from "./scheduler.ts";
export type { BootVmsOptions, DeployOptions, ReserveRequest, StepContext, StressProfile, Testbed, TestbedMetrics, TestbedPlugin, ViolationInterval } from "./testbed.ts";
export { UsageError } from "./errors.ts";
