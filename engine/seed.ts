import { createHash } from "node:crypto";

/**
 * A seed derived from the run seed for one labelled use (a repetition, a
 * scheduler...): the first 48 bits of SHA-256 over `[seed, ...labels]` as
 * JSON, a non-negative safe integer. Independent of any other derivation, the
 * same on every platform, and stable across releases (documented in
 * docs/metrics.md): changing it would change every derived result.
 */
export function deriveSeed(seed: number, ...labels: readonly (string | number)[]): number {
  const digest = createHash("sha256").update(JSON.stringify([seed, ...labels])).digest();
  return digest.readUIntBE(0, 6);
}

/**
 * The seed of repetition `r` of a run: repetition 0 runs on the run seed
 * itself (a single repetition is the run it always was), the others on
 * `deriveSeed(seed, "repeat", r)`.
 */
export function repeatSeed(seed: number, r: number): number {
  return r === 0 ? seed : deriveSeed(seed, "repeat", r);
}
