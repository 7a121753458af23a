/** Services, EnOSlib-style: monitoring and network emulation on a testbed's hosts, run as steps and stopped at release. */
export { startMonitoring, type Monitoring, type MonitoringSummary, type MonitorOptions, type MonitorSources } from "./monitoring.ts";
export { applyNetem, rtt, DELAYER_PROGRAM, type Netem, type NetemOptions, type NetemReport, type NetemRule, type RttCheck } from "./netem.ts";
