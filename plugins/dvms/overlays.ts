import type { Seconds } from "../../engine/cluster.ts";
import { LboOverlay } from "./lbo.ts";
import type { DvmsOptions } from "./options.ts";
import { RingOverlay, type Overlay } from "./overlay.ts";

/** Vivaldi sampling for LBO: enough rounds for coordinates to settle on small and large platforms. */
const LBO_ROUNDS = 16;
const LBO_SAMPLES = 4;
const LBO_NEIGHBOURS = 8;

/** Builds the overlay named in the options over `nodes` (sorted: every agent derives the same ring). */
export function makeOverlay(
  options: DvmsOptions,
  nodes: readonly string[],
  latency: (a: string, b: string) => Seconds,
): Overlay {
  const sorted = [...nodes].sort();
  if (options.overlay === "ring") return new RingOverlay(sorted);
  return new LboOverlay(sorted, latency, {
    seed: options.seed,
    rounds: LBO_ROUNDS,
    samples: LBO_SAMPLES,
    neighbours: LBO_NEIGHBOURS,
  });
}
