import type { NodeFilter } from "./partition.ts";

/** The partition an overlay is asked to extend. */
export interface PartitionShape {
  readonly initiator: string;
  readonly nodes: Iterable<string>;
}

/** Who a partition's leader offers the token to next ("first out", docs/dvms.md). */
export interface Overlay {
  readonly kind: "ring" | "lbo";
  /** First node outside `skip` seen from `from`, or null when every node is taken. */
  firstOut(from: string, partition: PartitionShape, skip: NodeFilter): string | null;
}

/** Each node knows its successor in name order; the first out is the first successor not skipped. */
export class RingOverlay implements Overlay {
  readonly kind = "ring";
  private readonly index = new Map<string, number>();

  constructor(private readonly nodes: readonly string[]) {
    nodes.forEach((n, i) => this.index.set(n, i));
  }

  successor(node: string): string {
    return this.nodes[(this.rank(node) + 1) % this.nodes.length];
  }

  rank(node: string): number {
    const i = this.index.get(node);
    if (i === undefined) throw new Error(`node ${node} is not on the ring`);
    return i;
  }

  firstOut(from: string, _partition: PartitionShape, skip: NodeFilter): string | null {
    const n = this.nodes.length;
    const start = this.rank(from);
    for (let step = 1; step < n; step++) {
      const candidate = this.nodes[(start + step) % n];
      if (!skip.has(candidate)) return candidate;
    }
    return null;
  }
}
