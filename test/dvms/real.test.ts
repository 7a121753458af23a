import { afterEach, describe, expect, it } from "vitest";
import type { MigrationResult, NodeState, VmState } from "../../engine/cluster.ts";
import { DvmsController, type MigrationRequest } from "../../plugins/dvms/index.ts";

const nodes: NodeState[] = ["pm-0000", "pm-0001", "pm-0002"].map((name) => ({ name, cores: 2, memoryMiB: 4096, online: true }));
const vm = (name: string, node: string): VmState => ({ name, node, vcpus: 1, memoryMiB: 1024, cpuDemand: 0.5, migrating: false });
const vms: VmState[] = [vm("vm-a", "pm-0000"), vm("vm-b", "pm-0000"), vm("vm-c", "pm-0000"), vm("vm-d", "pm-0001"), vm("vm-e", "pm-0002")];

let controller: DvmsController | undefined;
afterEach(async () => {
  await controller?.close();
  controller = undefined;
});

describe("DVMS real runtime: agents as processes over TCP", () => {
  it("three agent processes on loopback decide and request the migration that solves an overload", async () => {
    const executed: MigrationRequest[] = [];
    controller = await DvmsController.launch({
      nodes,
      vms,
      options: { minPartitionSize: 3 },
      execute: async (request): Promise<MigrationResult> => {
        executed.push(request);
        const start = controller!.now();
        await new Promise((r) => setTimeout(r, 100));
        return { vm: request.vm, from: request.from, to: request.to, start, end: controller!.now(), downtime: 0, rounds: 0, outcome: "ok" };
      },
    });
    const pids = controller.agentPids();
    expect(new Set([...pids, process.pid]).size).toBe(4);

    // pm-0000: three VMs at 1 core on 2 cores.
    for (const name of ["vm-a", "vm-b", "vm-c"]) controller.setVmLoad(name, 1);
    const c = controller;
    await c.until(() => c.log.all().some((r) => r.end !== null), 60);

    expect(executed).toHaveLength(1);
    const [request] = executed;
    expect(request.from).toBe("pm-0000");
    expect(["pm-0001", "pm-0002"]).toContain(request.to);
    // The partition reached 3 nodes when pm-0002 joined: it leads, solves and asks for the migration.
    expect(request.requester).toBe("pm-0002");
    const [isp] = c.log.all();
    expect(isp).toMatchObject({ initiator: "pm-0000", end: { outcome: "solved", size: 3, migrations: 1 } });
    expect(c.log.migrations).toMatchObject([{ vm: request.vm, outcome: "ok" }]);
    expect(c.log.all()).toHaveLength(1);
  }, 90_000);
});
