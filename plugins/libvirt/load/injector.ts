import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { Seconds } from "../../../engine/cluster.ts";

/** A CPU share in 0..1 rounded to one of VMPlaceS's 10 load slots. */
export const toSlot = (x: number): number => Math.round(Math.min(Math.max(x, 0), 1) * 10) / 10;

/**
 * The VMPlaceS load injector on the wall clock: every VM starts at
 * N(mean, std); then load changes arrive as a Poisson process of rate
 * vms / loadPeriod, each giving one random VM a new N(mean, std) load.
 * Seeded: the same seed draws the same sequence of (delay, vm, load).
 */
export class GaussianLoad {
  private readonly rng;
  private spare = Number.NaN;

  constructor(seed: number, private readonly mean: number, private readonly std: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  private uniform(): number {
    return uniformFloat64(this.rng);
  }

  private normal(): number {
    let z = this.spare;
    if (Number.isNaN(z)) {
      const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const a = 2 * Math.PI * this.uniform();
      z = r * Math.cos(a);
      this.spare = r * Math.sin(a);
    } else {
      this.spare = Number.NaN;
    }
    return this.mean + this.std * z;
  }

  load(): number {
    return toSlot(this.normal());
  }

  /** The next load change: after `delay` seconds, VM number `vm` takes `load`. */
  next(vms: number, loadPeriod: Seconds): { delay: Seconds; vm: number; load: number } {
    const delay = -Math.log(1 - this.uniform()) * (loadPeriod / vms);
    const vm = Math.min(vms - 1, Math.floor(this.uniform() * vms));
    return { delay, vm, load: this.load() };
  }
}

/**
 * stress-ng arguments for a CPU share (0..1 of each vCPU) and a memory
 * dirtying intensity (0..1: the share of guest memory rewritten in a loop).
 */
export function stressArgs(vcpus: number, load: number, memoryMiB: number, dirtyIntensity = 0): string[] {
  const args: string[] = [];
  if (load > 0) args.push("--cpu", String(vcpus), "--cpu-load", String(Math.round(load * 100)));
  if (dirtyIntensity > 0) {
    // Leave room for the kernel, stress-ng and the initramfs (which lives in RAM).
    const bytes = Math.max(8, Math.floor((memoryMiB - 160) * Math.min(dirtyIntensity, 1)));
    args.push("--vm", "1", "--vm-bytes", `${bytes}M`, "--vm-keep");
  }
  return args;
}
