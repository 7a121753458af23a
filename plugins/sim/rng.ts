import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const BATCH = 1024;
/** Uniforms always buffered past the next one, for `peekIndex`. */
const AHEAD = 64;

/**
 * A seeded random stream (xoroshiro128+ from pure-rand). Each consumer
 * (injector, crashes, VM classes) gets its own stream, seeded from the run
 * seed and its name (engine/random/streams.ts), so adding draws in one does
 * not shift the others.
 *
 * Uniforms are drawn ahead in batches into a buffer (the injector draws
 * tens of millions at a million PMs): the same sequence, consumed in the
 * same order, so batching changes no result. The buffer always holds the
 * next AHEAD uniforms, so a consumer can read what it will draw later
 * (`peekIndex`) without drawing it.
 */
export class RandomStream {
  private spareNormal = NaN;
  private readonly batch = new Float64Array(BATCH + AHEAD);
  private next = 0;
  constructor(private readonly rng: RandomGenerator) {
    for (let i = 0; i < BATCH + AHEAD; i++) this.batch[i] = uniformFloat64(rng);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    if (this.next === BATCH) this.refill();
    return this.batch[this.next++];
  }

  /** Keeps the AHEAD uniforms not yet used, then draws the next BATCH after them. */
  private refill(): void {
    this.batch.copyWithin(0, BATCH);
    for (let i = AHEAD; i < BATCH + AHEAD; i++) this.batch[i] = uniformFloat64(this.rng);
    this.next = 0;
  }

  /** Uniform integer in [0, n). */
  index(n: number): number {
    return scaled(this.uniform(), n);
  }

  /** What `index(n)` would return `ahead` (< 64) draws from now, leaving the stream as it is. */
  peekIndex(n: number, ahead: number): number {
    return scaled(this.batch[this.next + ahead], n);
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

/** A uniform in [0, 1) as an integer in [0, n). */
function scaled(u: number, n: number): number {
  return Math.min(n - 1, Math.floor(u * n));
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
