import type { Seconds } from "../../engine/cluster.ts";
import type { StressProfile } from "../../engine/testbed.ts";
import type { EventKernel } from "./kernel.ts";
import { MILLI, type Platform } from "./platform.ts";
import type { RandomStream } from "./rng.ts";

/** VMPlaceS defaults. */
export const DEFAULT_LOAD_PERIOD: Seconds = 300;
const SLOTS = 10;
/** How many load changes ahead (even: see `ahead`) the injector reads a VM's record, then its host's (see `fire`). */
const WARM_VM_AHEAD = 12;
const WARM_NODE_AHEAD = 6;

/** Demand in millicores for a load share (0..1) on `vcpus`: clamped, rounded to the nearest of 10 % slots. */
export function slotDemand(load: number, vcpus: number): number {
  const share = Math.min(1, Math.max(0, load));
  return (Math.round(share * SLOTS) * MILLI * vcpus) / SLOTS;
}

/**
 * The VMPlaceS load injector. "gaussian": every VM starts with one draw,
 * then load changes form a Poisson process of rate nbVMs / loadPeriod, each
 * setting a uniformly chosen VM to max(N(mean, std), 0), capped at 100 %,
 * rounded to a 10 % slot, times its vCPUs. "constant": every VM at a fixed
 * share, no further events. One long-lived handler reschedules itself, so
 * the injector allocates nothing per event. `vms` null stands for every VM
 * in index order, with no 8,000,000-entry array to read at a million PMs.
 */
export function installInjector(kernel: EventKernel, platform: Platform, vms: Int32Array | null, profile: StressProfile, random: RandomStream): { readonly changes: () => number } {
  let changes = 0;
  const count = vms === null ? platform.vmCount : vms.length;
  if (profile.kind === "constant") {
    for (let i = 0; i < count; i++) {
      const vm = vms === null ? i : vms[i];
      if (profile.dirtyIntensity !== undefined) platform.vmDirtyIntensity[vm] = profile.dirtyIntensity;
      platform.setDemand(vm, Math.round(Math.min(1, Math.max(0, profile.load)) * platform.vmVcpus[vm] * MILLI));
    }
    return { changes: () => changes };
  }
  const { mean, std } = profile;
  const draw = (vm: number): void => platform.setDemand(vm, slotDemand(random.normal(mean, std), platform.vmVcpus[vm]));
  for (let i = 0; i < count; i++) draw(vms === null ? i : vms[i]);
  if (count === 0) return { changes: () => changes };
  const rate = count / (profile.loadPeriod ?? DEFAULT_LOAD_PERIOD);
  // VM of the load change an even number `k` of changes from now, if nothing else draws from the stream meanwhile:
  // each change draws an index, an exponential and, every other change, a Box-Muller pair: 3k uniforms
  const ahead = (k: number): number => {
    const i = random.peekIndex(count, 3 * k);
    return vms === null ? i : vms[i];
  };
  const fire = (): void => {
    // Memory-level parallelism: at a million PMs each change waits on cache misses (the VM's
    // host, then the host's sums). Reading the records of later changes now overlaps their
    // misses with this one's; reads only, so a wrong guess costs time, never a result.
    platform.warmVm(ahead(WARM_VM_AHEAD));
    platform.warmNodeOf(ahead(WARM_NODE_AHEAD));
    const i = random.index(count);
    draw(vms === null ? i : vms[i]);
    changes++;
    kernel.schedule(random.exponential(rate), fire);
  };
  kernel.schedule(random.exponential(rate), fire);
  return { changes: () => changes };
}
