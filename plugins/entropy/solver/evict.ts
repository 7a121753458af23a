import type { Budget } from "./budget.ts";

const EPS = 1e-9;

/**
 * Chooses VMs to take off an over-committed node (or node group) so that
 * every dimension of `excess` drops to zero: greedily the VM that relieves
 * the largest share of the remaining excess per unit of migration cost, then
 * puts back the most expensive picks that turned out unnecessary. Returns
 * every candidate when even that is not enough.
 */
export function chooseEvictions(
  candidates: readonly number[],
  excess: readonly number[],
  size: (vm: number, dim: number) => number,
  cost: (vm: number) => number,
  budget: Budget,
): number[] {
  const left = [...excess];
  const pool = [...candidates];
  const chosen: number[] = [];
  while (pool.length > 0 && over(left)) {
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < pool.length; i++) {
      let relief = 0;
      for (let k = 0; k < left.length; k++) {
        if (left[k] > EPS) relief += Math.min(size(pool[i], k), left[k]) / excess[k];
      }
      const score = relief / Math.max(cost(pool[i]), EPS);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    budget.charge(pool.length);
    const vm = pool.splice(best, 1)[0];
    chosen.push(vm);
    for (let k = 0; k < left.length; k++) left[k] -= size(vm, k);
  }
  chosen.sort((a, b) => cost(b) - cost(a) || a - b);
  return chosen.filter((vm) => {
    if (left.some((x, k) => x + size(vm, k) > EPS)) return true;
    for (let k = 0; k < left.length; k++) left[k] += size(vm, k);
    return false;
  });
}

// Module-level, not a closure per call: the loader's keepNames wraps every named closure it creates.
function over(left: readonly number[]): boolean {
  for (const x of left) if (x > EPS) return true;
  return false;
}
