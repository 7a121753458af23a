import { createHash } from "node:crypto";

/** How every random stream's seed follows from the run seed (recorded in each run's manifest). */
export const STREAM_SEED_DERIVATION = "uint32 big-endian of the first 4 bytes of SHA-256('<run seed>:<stream name>')";

/**
 * The seed of the random stream `stream` in a run seeded `runSeed`. Each
 * consumer (the sim's load injector, crashes and VM classes, the DVMS
 * overlay...) names its stream, so streams are independent of each other and
 * of the order they are created in, and adding one shifts no other.
 */
export function streamSeed(runSeed: number, stream: string): number {
  return createHash("sha256").update(`${runSeed}:${stream}`).digest().readUInt32BE(0);
}

/** Derives stream seeds for one run and remembers each one handed out, for the manifest. */
export class StreamSeeds {
  private readonly given = new Map<string, number>();

  constructor(
    readonly runSeed: number,
    private readonly onNew: (streams: Readonly<Record<string, number>>) => void = () => {},
  ) {}

  /** Seed of `stream`; a part of the run seeded otherwise (a repetition's reservation) passes its seed, recorded as `stream@seed`. */
  seedOf(stream: string, seed: number = this.runSeed): number {
    const key = seed === this.runSeed ? stream : `${stream}@${seed}`;
    let derived = this.given.get(key);
    if (derived === undefined) {
      derived = streamSeed(seed, stream);
      this.given.set(key, derived);
      this.onNew(this.record());
    }
    return derived;
  }

  record(): Record<string, number> {
    return Object.fromEntries([...this.given].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/**
 * The seed of repetition `r` of a run: repetition 0 runs on the run seed
 * itself (a single repetition is the run it always was), the others on the
 * seed of the stream `repeat:<r>`, derived as every other stream.
 */
export function repeatSeed(runSeed: number, r: number): number {
  return r === 0 ? runSeed : streamSeed(runSeed, `repeat:${r}`);
}
