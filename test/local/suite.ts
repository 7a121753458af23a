import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { isLocalClean, listLocalLeftovers, localTestbed, setupLocalTestbed, type LocalTestbed } from "../../plugins/local/index.ts";

/** What every suite on the real local testbed shares: packages and guest image first, nothing of ours left at the end. */
export function realTestbedHooks(): void {
  beforeAll(async () => {
    await setupLocalTestbed();
  }, 900_000);
  afterAll(async () => {
    expect(isLocalClean(await listLocalLeftovers())).toBe(true);
  });
}

/** A local testbed for one test, archiving into a fresh temporary directory. */
export function newLocalTestbed(seed: number, options: Record<string, string> = {}): LocalTestbed {
  return localTestbed.create({ seed, options, archiveDir: mkdtempSync(join(tmpdir(), "lt-arch-")), log: () => undefined }) as LocalTestbed;
}
