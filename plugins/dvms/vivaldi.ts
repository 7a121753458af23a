import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import type { Seconds } from "../../engine/cluster.ts";

/** A Vivaldi coordinate (Dabek et al., SIGCOMM 2004) in 3-D Euclidean space, in seconds of RTT. */
export interface Coordinate {
  readonly position: readonly [number, number, number];
  /** Relative error estimate, 1 at start. */
  readonly error: number;
}

const CC = 0.25;
const CE = 0.25;

export function coordinateDistance(a: Coordinate, b: Coordinate): number {
  const [ax, ay, az] = a.position;
  const [bx, by, bz] = b.position;
  return Math.hypot(ax - bx, ay - by, az - bz);
}

export const ORIGIN: Coordinate = { position: [0, 0, 0], error: 1 };

/**
 * One Vivaldi step of `self` after measuring `rtt` to a peer at `peer`.
 * `direction` picks the push direction when both sit at the same point
 * (all nodes start at the origin), so the caller's seeded stream decides it.
 */
export function vivaldiUpdate(
  self: Coordinate,
  peer: Coordinate,
  rtt: Seconds,
  direction: () => number,
): Coordinate {
  if (!(rtt > 0)) return self;
  const dist = coordinateDistance(self, peer);
  const weight = self.error / (self.error + peer.error);
  const sampleError = Math.abs(dist - rtt) / rtt;
  const error = sampleError * CE * weight + self.error * (1 - CE * weight);
  const delta = CC * weight;
  let unit: [number, number, number];
  if (dist > 1e-12) {
    unit = [
      (self.position[0] - peer.position[0]) / dist,
      (self.position[1] - peer.position[1]) / dist,
      (self.position[2] - peer.position[2]) / dist,
    ];
  } else {
    const v: [number, number, number] = [direction() - 0.5, direction() - 0.5, direction() - 0.5];
    const norm = Math.hypot(...v) || 1;
    unit = [v[0] / norm, v[1] / norm, v[2] / norm];
  }
  const step = delta * (rtt - dist);
  return {
    position: [
      self.position[0] + step * unit[0],
      self.position[1] + step * unit[1],
      self.position[2] + step * unit[2],
    ],
    error: Math.min(error, 1),
  };
}

export interface VivaldiOptions {
  readonly seed: number;
  /** Rounds in which every node measures `samples` random peers. */
  readonly rounds: number;
  readonly samples: number;
}

/** Coordinates of every node after rounds of latency samples (seeded peer choice). */
export function embed(
  nodes: readonly string[],
  rtt: (a: string, b: string) => Seconds,
  options: VivaldiOptions,
): Map<string, Coordinate> {
  const rng: RandomGenerator = xoroshiro128plus(options.seed);
  const draw = (): number => uniformFloat64(rng);
  const coords = nodes.map(() => ORIGIN);
  if (nodes.length < 2) return new Map(nodes.map((n, i) => [n, coords[i]]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < nodes.length; i++) {
      for (let s = 0; s < options.samples; s++) {
        let j = Math.floor(draw() * (nodes.length - 1));
        if (j >= i) j++;
        coords[i] = vivaldiUpdate(coords[i], coords[j], rtt(nodes[i], nodes[j]), draw);
      }
    }
  }
  return new Map(nodes.map((n, i) => [n, coords[i]]));
}
