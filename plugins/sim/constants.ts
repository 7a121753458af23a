import type { Seconds } from "../../engine/cluster.ts";

/** Model constants of the simulated datacenter; README.md explains each. */
export const DEFAULTS = {
  cores: 8,
  memoryMiB: 32768,
  vmVcpus: 1,
  vmMemoryMiB: 1024,
  /** VMPlaceS platform: 10 Gbit/s NICs, 50 µs per link (bytes/s, seconds). */
  linkBandwidth: 10e9 / 8,
  linkLatency: 50e-6 as Seconds,
  /** VMPlaceS VM class: migrations at 1 Gbit/s (bytes/s). */
  migrationSpeed: 125e6,
  maxDowntime: 0.03 as Seconds,
  maxRounds: 20,
  workingSetRatio: 0.9,
  /** VMPlaceS VM classes' dirty-page intensities, drawn per VM when none is given. */
  dirtyClasses: [0.1, 0.2, 0.3, 0.4] as readonly number[],
  /** Simulated seconds charged per scheduler work unit (deterministic compute time). */
  computeCost: 3e-6 as Seconds,
} as const;

/** Simulated durations of the provisioning steps (plausible Grid'5000 figures, deterministic). */
export const STEP_DURATIONS = {
  /** OAR: submission and scheduling, plus bookkeeping per node. */
  reserve: (nodes: number): Seconds => 10 + 0.001 * nodes,
  /** Kadeploy: a base image write and reboot, plus one tree-broadcast stage per doubling of nodes. */
  deploy: (nodes: number): Seconds => 240 + 20 * Math.ceil(Math.log2(nodes + 1)),
  /** VMs: nodes boot in parallel, each starting its VMs a few seconds apart. */
  bootVms: (perNode: number): Seconds => 20 + 5 * perNode,
} as const;
