/** A host (by index) and the subtree it relays to; a node without children is a leaf. */
export interface TreeNode {
  readonly index: number;
  readonly children: readonly TreeNode[];
}

/**
 * Spreads indices over at most `arity` subtrees of near-equal size; each
 * subtree's first index relays to the rest, recursively. Depth grows as
 * log_arity(n), so set-up proceeds level by level in parallel.
 */
export function buildForest(indices: readonly number[], arity: number): TreeNode[] {
  const groups = Math.min(arity, indices.length);
  const forest: TreeNode[] = [];
  let from = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(indices.length / groups) + (g < indices.length % groups ? 1 : 0);
    const group = indices.slice(from, from + size);
    from += size;
    forest.push({ index: group[0], children: buildForest(group.slice(1), arity) });
  }
  return forest;
}

/** Default arity: a two-level tree (about sqrt(n) relays of about sqrt(n) hosts each). */
export function defaultArity(n: number): number {
  return Math.max(2, Math.ceil(Math.sqrt(n)));
}

export function flatten(node: TreeNode): number[] {
  return [node.index, ...node.children.flatMap(flatten)];
}

/** Levels of relaying below a node: 0 for a leaf, 1 for a relay of leaves... */
export function height(node: TreeNode): number {
  return node.children.length === 0 ? 0 : 1 + Math.max(...node.children.map(height));
}
