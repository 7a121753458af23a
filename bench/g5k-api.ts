/**
 * How much the g5k testbed asks of the API for one experiment set-up, and
 * how long the client itself takes, against the stand-in server with a
 * virtual clock (no real waiting): reserve 64 nodes over 2 sites (30 min in
 * OAR's queue), deploy them (3 KO on the first round), plan 8 VMs per node.
 */
import { performance } from "node:perf_hooks";
import type { StepContext } from "../engine/testbed.ts";
import { createG5kTestbed } from "../plugins/g5k/index.ts";
import type { VmPlanEntry } from "../plugins/g5k/index.ts";
import { startStandin } from "../test/g5k/standin/server.ts";
import { VirtualClock } from "../test/g5k/standin/virtual-clock.ts";
import { benchArgs } from "./args.ts";

benchArgs({ name: "g5k", description: "API requests and client time of one g5k set-up (64 nodes, 2 sites, 8 VMs per node) against the stand-in, on a virtual clock. Last line: one JSON object.", flags: {} });

const clock = new VirtualClock();
const standin = await startStandin({ clock, users: { alice: "pw" }, timings: { waiting: 1800, launching: 300, deploying: 600 } });
const ctx: StepContext = { step: "bench", signal: new AbortController().signal, seed: 1, log: () => undefined, progress: () => undefined, journal: () => undefined, keepOutput: () => undefined };
const planned: VmPlanEntry[] = [];
const testbed = createG5kTestbed(
  { seed: 1, archiveDir: "/tmp", log: () => undefined, options: { api: standin.apiUrl, provision: "false", sites: "rennes,nancy", vlan: "kavlan", subnets: "1", reservation: String(Math.floor(clock.now() / 1000) + 1800) } },
  {
    clock,
    env: { G5K_USER: "alice", G5K_PASSWORD: "pw" },
    vmRuntime: () => ({
      boot: async (plan) => (planned.push(...plan), plan.map((p) => ({ name: p.name, address: p.ip, node: p.node.name, vcpus: p.vcpus, memoryMiB: p.memoryMiB, mac: p.mac }))),
      stress: async () => undefined, cluster: () => { throw new Error("unused"); }, advance: async () => undefined,
      migrate: async () => { throw new Error("unused"); }, observe: async () => { throw new Error("unused"); }, collect: async () => { throw new Error("unused"); }, close: async () => undefined,
    }),
  },
);
const t0 = performance.now();
const v0 = clock.now();
const nodes = await testbed.reserve({ nodes: 64 }, ctx);
const reserveRequests = standin.log.length;
standin.store.koPlan.push(nodes.slice(0, 3).map((n) => n.name));
const deployed = await testbed.deploy(nodes, {}, ctx);
const vms = await testbed.bootVms(deployed, { perNode: 8 }, ctx);
await testbed.release();
const wallMs = performance.now() - t0;
await standin.stop();
const figures = {
  nodes: nodes.length,
  vms: vms.length,
  virtualMinutes: Math.round((clock.now() - v0) / 60000),
  apiRequests: standin.log.length,
  reserveRequests,
  deployRequests: standin.log.length - reserveRequests,
  clientWallMs: Math.round(wallMs),
};
console.log(`64 nodes on 2 sites: ${figures.apiRequests} API requests over ${figures.virtualMinutes} virtual minutes, ${figures.clientWallMs} ms of client and stand-in time`);
console.log(JSON.stringify(figures));
