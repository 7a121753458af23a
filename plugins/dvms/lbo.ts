import type { Seconds } from "../../engine/cluster.ts";
import { RingOverlay, type Overlay, type PartitionShape } from "./overlay.ts";
import type { NodeFilter } from "./partition.ts";
import { coordinateDistance, embed, type Coordinate, type VivaldiOptions } from "./vivaldi.ts";

export interface LboOptions extends VivaldiOptions {
  /** Size of each node's neighbour list (its closest nodes by coordinates). */
  readonly neighbours: number;
}

/**
 * Locality-based overlay: nodes place themselves with Vivaldi from measured
 * latencies; a partition grows towards the node outside it that is closest
 * to its initiator, among its members' neighbour lists. When those are all
 * taken it falls back to the ring, so the whole datacenter stays reachable.
 */
export class LboOverlay implements Overlay {
  readonly kind = "lbo";
  private readonly ring: RingOverlay;
  private readonly coords: Map<string, Coordinate>;
  private readonly neighbourCache = new Map<string, readonly string[]>();

  constructor(
    private readonly nodes: readonly string[],
    latency: (a: string, b: string) => Seconds,
    private readonly options: LboOptions,
  ) {
    this.ring = new RingOverlay(nodes);
    this.coords = embed(nodes, (a, b) => 2 * latency(a, b), options);
  }

  coordinate(node: string): Coordinate {
    const c = this.coords.get(node);
    if (!c) throw new Error(`node ${node} is not in the overlay`);
    return c;
  }

  /** The `neighbours` closest nodes to `node` (computed on first use: only partition members need them). */
  neighbours(node: string): readonly string[] {
    let list = this.neighbourCache.get(node);
    if (!list) {
      const here = this.coordinate(node);
      list = this.nodes
        .filter((n) => n !== node)
        .map((n) => ({ n, d: coordinateDistance(here, this.coordinate(n)) }))
        .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
        .slice(0, this.options.neighbours)
        .map((e) => e.n);
      this.neighbourCache.set(node, list);
    }
    return list;
  }

  firstOut(from: string, partition: PartitionShape, skip: NodeFilter): string | null {
    const target = this.coordinate(partition.initiator);
    let best: string | null = null;
    let bestDistance = Infinity;
    for (const member of partition.nodes) {
      for (const candidate of this.neighbours(member)) {
        if (skip.has(candidate)) continue;
        const d = coordinateDistance(target, this.coordinate(candidate));
        if (d < bestDistance || (d === bestDistance && best !== null && candidate < best)) {
          best = candidate;
          bestDistance = d;
        }
      }
    }
    return best ?? this.ring.firstOut(from, partition, skip);
  }
}
