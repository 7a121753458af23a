import { createSimCluster, type SimCluster } from "../../../plugins/sim/index.ts";
import { createDvms, type DvmsMessage, type DvmsScheduler, type IspRecord } from "../../../plugins/dvms/index.ts";
import { invariantViolations } from "./invariants.ts";
import { traced, type Sent } from "./trace.ts";

/** Node capacity and VMs of the scripted rings: 3 cores, 4 VMs of 1 vCPU, all at 0.5 core. */
export const CORES = 3;
const VMS_PER_NODE = 4;
const BASE_LOAD = 0.5;

export interface Ring {
  readonly sim: SimCluster;
  readonly dvms: DvmsScheduler;
  readonly sent: Sent[];
  /** Invariant violations seen at any agent message or `advance` step. */
  readonly problems: string[];
  /** All VMs of `node` at `perVm` cores each (1 = overloaded, 0.75 = exactly full). */
  load(node: string, perVm: number): void;
  advance(until: number): void;
  /** Members of ISP `id` in the last membership a leader announced. */
  members(id: string): readonly string[];
  /** Tokens of ISP `id` as sent, in order. */
  tokens(id: string): Sent[];
  isp(initiator: string): IspRecord;
  overloaded(node: string): boolean;
}

export function node(i: number): string {
  return `pm-${String(i).padStart(4, "0")}`;
}

/**
 * A scripted ring with no room anywhere: every node but pm-0000 exactly full
 * (0.75 core per VM), then pm-0000 overloaded at t = 1; run until `until`.
 * Its ISP can only grow over the whole ring and end unsolvable.
 */
export function fullRingOverloaded(nodes: number, until: number): Ring {
  const ring = scriptedRing(nodes);
  for (let i = 1; i < nodes; i++) ring.load(node(i), 0.75);
  ring.advance(1);
  ring.load(node(0), 1);
  ring.advance(until);
  return ring;
}

export function scriptedRing(nodes: number, options: Readonly<Record<string, unknown>> = {}): Ring {
  const sim = createSimCluster({ seed: 1, nodes, cores: CORES, memoryMiB: 8192, vmsPerNode: VMS_PER_NODE });
  const vmNames = [...sim.placement().keys()];
  for (const vm of vmNames) sim.setVmLoad(vm, BASE_LOAD);
  const problems: string[] = [];
  let dvms: DvmsScheduler | undefined;
  const check = (): void => {
    if (dvms && problems.length === 0) problems.push(...invariantViolations(sim.runtime.observe(), vmNames, dvms.states()));
  };
  const t = traced(sim.runtime, check);
  dvms = createDvms(t.runtime, options);
  dvms.start();
  const ring: Ring = {
    sim,
    dvms,
    sent: t.sent,
    problems,
    load: (n, perVm) => {
      for (const [vm, host] of sim.placement()) if (host === n) sim.setVmLoad(vm, perVm);
    },
    advance: (until) => {
      for (let now = Math.floor(sim.runtime.now() * 10 + 1) / 10; now < until; now += 0.1) {
        sim.run(now);
        check();
      }
      sim.run(until);
      check();
    },
    members: (id) => {
      const updates = t.sent.filter((s): s is Sent & { message: Extract<DvmsMessage, { type: "update" }> } => s.message.type === "update" && s.message.id === id);
      return updates.at(-1)?.message.nodes ?? [];
    },
    tokens: (id) => t.sent.filter((s) => s.message.type === "isp" && s.message.token.id === id),
    isp: (initiator) => {
      const found = dvms.isps().filter((r) => r.initiator === initiator);
      if (found.length !== 1) throw new Error(`${found.length} ISPs from ${initiator}`);
      return found[0];
    },
    overloaded: (n) => {
      const obs = sim.runtime.observe([n]);
      return obs.vms.reduce((sum, vm) => sum + vm.cpuDemand, 0) > obs.nodes[0].cores + 1e-9;
    },
  };
  return ring;
}
