/**
 * DVMS picks its runtime from the cluster: agents in this process on the
 * simulation, one agent process per node where the testbed can host them.
 * Here the "testbed" is a scripted wall-clock cluster on loopback; the real
 * one (agents in the local testbed's namespaces, virsh migrations) is
 * test/local/dvms.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentHosting, ClusterRuntime, MigrationResult, Observation, VmState } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import { DvmsScheduler, dvmsScheduler, ProcessDvmsScheduler } from "../../plugins/dvms/index.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";

const CORES = 2;

/** Three nodes; VMs of 1 vCPU; node pm-0000 gets three at 1 core (overloaded). Migrations move the VM at once. */
function scriptedCluster(hosting: AgentHosting): { runtime: ClusterRuntime; placement: () => Map<string, string> } {
  const t0 = Date.now();
  const now = (): number => (Date.now() - t0) / 1000;
  const vm = (name: string, node: string, cpuDemand: number): VmState => ({ name, node, vcpus: 1, memoryMiB: 512, cpuDemand, migrating: false });
  const vms = [vm("vm-a", "pm-0000", 1), vm("vm-b", "pm-0000", 1), vm("vm-c", "pm-0000", 1), vm("vm-d", "pm-0001", 0.5), vm("vm-e", "pm-0002", 0.5)];
  const nodes = ["pm-0000", "pm-0001", "pm-0002"].map((name) => ({ name, cores: CORES, memoryMiB: 4096, online: true }));
  const listeners: Array<(node: string, overloaded: boolean) => void> = [];
  const observe = (): Observation => ({ time: now(), nodes, vms: vms.map((v) => ({ ...v })) });
  const runtime: ClusterRuntime = {
    clock: "wall",
    now,
    setTimer: (delay, fire) => {
      const t = setTimeout(fire, delay * 1000);
      return { cancel: () => clearTimeout(t) };
    },
    observe,
    onLoadChange: (l) => void listeners.push(l),
    migrate: (name, to, done) => {
      const i = vms.findIndex((v) => v.name === name);
      const from = vms[i].node;
      const start = now();
      setTimeout(() => {
        vms[i] = { ...vms[i], node: to };
        listeners.forEach((l) => l(from, false));
        done({ vm: name, from, to, start, end: now(), downtime: 0.01, rounds: 1, outcome: "ok" } satisfies MigrationResult);
      }, 50);
    },
    computeDelay: () => 0,
    network: { send: () => undefined, listen: () => undefined, latency: () => 0 },
    agentHosting: hosting,
  };
  return { runtime, placement: () => new Map(vms.map((v) => [v.name, v.node])) };
}

/** Agent processes are children of this one, reaped on exit: no /proc entry once gone. */
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

let running: ProcessDvmsScheduler | undefined;
afterEach(async () => {
  running?.stop();
  await running?.closed();
  running = undefined;
});

describe("dvms scheduler plugin: agents as processes where the cluster hosts them", () => {
  it("runs its agents in this process on the simulation", () => {
    const sim = createSimCluster({ seed: 1, nodes: 4, cores: 2, memoryMiB: 4096, vmsPerNode: 1 });
    expect(dvmsScheduler.create(sim.runtime, {})).toBeInstanceOf(DvmsScheduler);
  });

  it("rejects bad options before starting any process", () => {
    const { runtime } = scriptedCluster({ controllerAddress: "127.0.0.1", agent: () => ({ listen: "127.0.0.1", wrap: [] }) });
    expect(() => dvmsScheduler.create(runtime, { minPartitionSize: 0 })).toThrow(UsageError);
  });

  it("starts one agent per node through the hosting's wrapper, feeds them the cluster's measurements and carries out their migration", async () => {
    const wrapped: string[] = [];
    const { runtime, placement } = scriptedCluster({
      controllerAddress: "127.0.0.1",
      agent: (node) => {
        wrapped.push(node);
        return { listen: "127.0.0.1", wrap: ["env", `DVMS_NODE=${node}`] };
      },
    });
    const created = dvmsScheduler.create(runtime, { minPartitionSize: 3 });
    expect(created).toBeInstanceOf(ProcessDvmsScheduler);
    const s = (running = created as ProcessDvmsScheduler);
    s.start();
    const deadline = Date.now() + 60_000;
    while (!s.report().migrations.some((m) => m.outcome === "ok") || !s.isps().some((r) => r.end !== null)) {
      if (Date.now() > deadline) throw new Error("no migration within 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...new Set(wrapped)].sort()).toEqual(["pm-0000", "pm-0001", "pm-0002"]);
    // Each process was started through its node's wrapper (here `env`, leaving a mark in its environment).
    const marks = s.agentPids().map((pid) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").find((v) => v.startsWith("DVMS_NODE=")));
    expect(marks.sort()).toEqual(["DVMS_NODE=pm-0000", "DVMS_NODE=pm-0001", "DVMS_NODE=pm-0002"]);
    const [moved] = s.report().migrations;
    expect(moved.from).toBe("pm-0000");
    expect(placement().get(moved.vm)).toBe(moved.to);
    expect(s.isps()[0]).toMatchObject({ initiator: "pm-0000", end: { outcome: "solved", size: 3, migrations: 1 } });
    expect(s.report().tables.isp).toHaveLength(s.isps().length);
    const pids = s.agentPids();
    s.stop();
    await s.closed();
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it("says in its report when its agents cannot start", async () => {
    const { runtime } = scriptedCluster({ controllerAddress: "127.0.0.1", agent: () => ({ listen: "127.0.0.1", wrap: ["false"] }) });
    const s = (running = dvmsScheduler.create(runtime, {}) as ProcessDvmsScheduler);
    s.start();
    await s.closed();
    expect(() => s.report()).toThrow(/dvms agents did not start/);
  }, 90_000);
});
