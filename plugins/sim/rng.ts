import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const BATCH = 1024;

/**
 * A seeded random stream (xoroshiro128+ from pure-rand). Each consumer
 * (injector, crashes, VM classes) gets its own stream, seeded from the run
 * seed and its name (engine/random/streams.ts), so adding draws in one does
 * not shift the others.
 *
 * Uniforms are drawn ahead in batches into a buffer (the injector draws
 * tens of millions at a million PMs): the same sequence, consumed in the
 * same order, so batching changes no result.
 */
export class RandomStream {
  private spareNormal = NaN;
  private readonly batch = new Float64Array(BATCH);
  private next = BATCH;
  constructor(private readonly rng: RandomGenerator) {}

  /** Uniform in [0, 1). */
  uniform(): number {
    if (this.next === BATCH) this.refill();
    return this.batch[this.next++];
  }

  private refill(): void {
    for (let i = 0; i < BATCH; i++) this.batch[i] = uniformFloat64(this.rng);
    this.next = 0;
  }

  /** Uniform integer in [0, n). */
  index(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** Normal N(mean, std) by Box-Muller, the second value kept for the next call. */
  normal(mean: number, std: number): number {
    let z = this.spareNormal;
    if (Number.isNaN(z)) {
      const u = 1 - this.uniform();
      const v = this.uniform();
      const radius = Math.sqrt(-2 * Math.log(u));
      z = radius * Math.cos(2 * Math.PI * v);
      this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    } else {
      this.spareNormal = NaN;
    }
    return mean + std * z;
  }
}

/** Names the independent streams of one simulation (`sim.<name>` among the run's streams). */
export type StreamName = "injector" | "crashes" | "vmClasses";
const STREAM_NAMES: readonly StreamName[] = ["injector", "crashes", "vmClasses"];

/** The simulation's streams, each seeded by `seedOf("sim.<name>")` (a 32-bit seed). */
export function seededStreams(seedOf: (stream: string) => number): Record<StreamName, RandomStream> {
  const out = {} as Record<StreamName, RandomStream>;
  for (const name of STREAM_NAMES) out[name] = new RandomStream(xoroshiro128plus(seedOf(`sim.${name}`) | 0));
  return out;
}
