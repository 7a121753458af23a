import type { ClusterRuntime, MigrationResult, Observation, Seconds } from "../../engine/cluster.ts";
import type { Vm } from "../../engine/hosts.ts";
import type { StepContext, StressProfile, Testbed, TestbedMetrics } from "../../engine/testbed.ts";

/** The testbed steps a VM runtime answers by itself, once the VMs are up. */
export type VmRuntimeStep = "stress" | "cluster" | "advance" | "migrate" | "observe" | "collect";

/** The testbed steps that only forward to the VM runtime, shared by the testbeds that have one (g5k, ssh). */
export abstract class VmRuntimeSteps implements Pick<Testbed, VmRuntimeStep> {
  protected abstract requireRuntime(): Pick<Testbed, VmRuntimeStep>;

  stress(vms: readonly Vm[], profile: StressProfile, ctx: StepContext): Promise<void> {
    return this.requireRuntime().stress(vms, profile, ctx);
  }

  cluster(): ClusterRuntime {
    return this.requireRuntime().cluster();
  }

  advance(duration: Seconds, ctx: StepContext): Promise<void> {
    return this.requireRuntime().advance(duration, ctx);
  }

  migrate(vm: string, to: string, ctx: StepContext): Promise<MigrationResult> {
    return this.requireRuntime().migrate(vm, to, ctx);
  }

  observe(): Promise<Observation> {
    return this.requireRuntime().observe();
  }

  collect(ctx: StepContext): Promise<TestbedMetrics> {
    return this.requireRuntime().collect(ctx);
  }
}
