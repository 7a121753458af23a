import { afterAll, beforeAll, expect } from "vitest";
import { createHostPool, isClean, listLeftovers, type HostPool } from "../../plugins/local/netns/index.ts";

/**
 * A namespaced sshd pool for one test file: created before its tests,
 * destroyed after them, and checked to have left nothing behind.
 */
export function useHostPool(count: number, prefix: string): () => HostPool {
  let pool: HostPool | undefined;
  beforeAll(async () => {
    pool = await createHostPool({ count, prefix });
  }, 120_000);
  afterAll(async () => {
    await pool?.destroy();
    const left = await listLeftovers(prefix);
    expect(left, "host pool leftovers").toEqual({ namespaces: [], links: [], processes: [], stateDir: false, subnets: [] });
    expect(isClean(left)).toBe(true);
  }, 60_000);
  return () => {
    if (!pool) throw new Error("host pool not created");
    return pool;
  };
}
