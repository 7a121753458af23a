/** A g5k testbed against the stand-in on a virtual clock, with a VM runtime that records instead of starting VMs. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Vm } from "../../engine/hosts.ts";
import type { FailurePolicy } from "../../engine/policy.ts";
import type { StepContext, TestbedInit } from "../../engine/testbed.ts";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import type { G5kTestbed, NodeVmRuntime, VmPlanEntry } from "../../plugins/g5k/index.ts";
import { startStandin } from "./standin/server.ts";
import type { Standin } from "./standin/server.ts";
import { VirtualClock } from "./standin/virtual-clock.ts";

export const PASSWORD = "pw-that-must-never-leak";
export const env = { G5K_USER: "alice", G5K_PASSWORD: PASSWORD };

export function context(): StepContext & { logs: string[]; events: Record<string, unknown>[] } {
  const logs: string[] = [];
  const events: Record<string, unknown>[] = [];
  return {
    step: "test",
    signal: new AbortController().signal,
    seed: 1,
    logs,
    events,
    log: (m) => logs.push(m),
    progress: () => undefined,
    journal: (e) => events.push({ ...e }),
    keepOutput: () => undefined,
  };
}

/** What the testbed handed the VM runtime: each boot's plan and failure policy. */
export interface Boots {
  readonly plans: VmPlanEntry[][];
  readonly policies: (FailurePolicy | undefined)[];
}

/** Records the plan instead of starting VMs (the real libvirt runtime runs in e2e.test.ts and test/ssh). */
function recordingRuntime(boots: Boots): () => NodeVmRuntime {
  const unused = (): never => {
    throw new Error("not used here");
  };
  return () => ({
    boot: async (plan, _ctx, policy) => {
      boots.plans.push([...plan]);
      boots.policies.push(policy);
      return plan.map((p): Vm => ({ name: p.name, address: p.ip, mac: p.mac, node: p.node.name, vcpus: p.vcpus, memoryMiB: p.memoryMiB }));
    },
    stress: unused,
    cluster: unused,
    advance: unused,
    migrate: unused,
    observe: unused,
    collect: unused,
    close: async () => undefined,
  });
}

export interface TestbedHarness {
  readonly standin: Standin;
  readonly clock: VirtualClock;
  readonly init: TestbedInit;
  readonly testbed: G5kTestbed;
  readonly boots: Boots;
  /** Another testbed on the same stand-in and clock (`init` changes merged in). */
  another(init?: Partial<TestbedInit>): G5kTestbed;
}

/** A stand-in (users alice and bob) and a testbed on it; the archive folder is `archiveDir` or a fresh one. */
export async function testbedHarness(options: Record<string, string>, archiveDir?: string): Promise<TestbedHarness> {
  const clock = new VirtualClock();
  const standin = await startStandin({ clock, users: { alice: PASSWORD, bob: "bobs-password" } });
  const keyDir = mkdtempSync(join(tmpdir(), "g5k-key-"));
  writeFileSync(join(keyDir, "id_ed25519.pub"), "ssh-ed25519 AAAAC3Nza test@g5k-flow\n");
  const init: TestbedInit = {
    seed: 1,
    archiveDir: archiveDir ?? keyDir,
    log: () => undefined,
    options: { api: standin.apiUrl, provision: "false", publicKey: join(keyDir, "id_ed25519.pub"), sshKey: join(keyDir, "id_ed25519"), ...options },
  };
  const boots: Boots = { plans: [], policies: [] };
  const another = (changes: Partial<TestbedInit> = {}): G5kTestbed => createG5kTestbed({ ...init, ...changes }, { clock, env, vmRuntime: recordingRuntime(boots) });
  return { standin, clock, init, boots, testbed: another(), another };
}
