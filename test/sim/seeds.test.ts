import { execa } from "execa";
import { webcrypto } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../engine/archive/run-archive.ts";
import { STREAM_SEED_DERIVATION, streamSeed } from "../../engine/random/streams.ts";
import { noopScheduler } from "../../plugins/noop/index.ts";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { BIN, ROOT } from "../engine/cli-helpers.ts";

/** The documented derivation, computed with WebCrypto rather than the module's node:crypto call. */
async function documented(seed: number, stream: string): Promise<number> {
  const digest = await webcrypto.subtle.digest("SHA-256", new TextEncoder().encode(`${seed}:${stream}`));
  return new DataView(digest).getUint32(0, false);
}

const run = (args: readonly string[]) => execa("node", [BIN, ...args], { reject: false, cwd: ROOT, env: { CI: "1" } });

describe("every random stream derives from the run seed", () => {
  it("hashes (run seed, stream name) as documented: independent of each other and of creation order", async () => {
    for (const [seed, stream] of [[1, "sim.injector"], [1, "dvms.overlay"], [2, "sim.injector"], [-7, "x"], [2 ** 40 + 3, "sim.crashes"]] as const) {
      expect(streamSeed(seed, stream)).toBe(await documented(seed, stream));
    }
    expect(STREAM_SEED_DERIVATION).toMatch(/SHA-256\('<run seed>:<stream name>'\)/);
    const names = ["sim.injector", "sim.crashes", "sim.vmClasses", "dvms.overlay"];
    expect(new Set(names.map((n) => streamSeed(1, n))).size).toBe(names.length);
    // Seeds past 32 bits stay distinct.
    expect(streamSeed(2 ** 32 + 1, "sim.injector")).not.toBe(streamSeed(1, "sim.injector"));
  });

  it("the simulated datacenter draws its streams from the seed: same seed same placement classes and loads, another seed others", () => {
    const loads = (seed: number) => {
      const c = createSimCluster({ seed, nodes: 20, vmsPerNode: 4, load: { kind: "gaussian", mean: 0.5, std: 0.3 } });
      c.run(600);
      return JSON.stringify([c.runtime.observe().vms.map((v) => v.cpuDemand), c.metrics().counters]);
    };
    expect(loads(5)).toBe(loads(5));
    expect(loads(5)).not.toBe(loads(6));
  });

  it("records the derivation and every stream handed out in the manifest; a rerun is identical", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-seeds-"));
    const first = await run(["run", "test/sim/fixtures/seeded-workflow.ts", "--seed", "11", "--json", "--results", results]);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.exitCode).toBe(0);
    const dir = JSON.parse(first.stdout).run as string;
    const manifest = readManifest(dir);
    expect(manifest.randomStreams?.derivation).toBe(STREAM_SEED_DERIVATION);
    const seeds = manifest.randomStreams?.seeds ?? {};
    expect(Object.keys(seeds).sort()).toEqual(["dvms.overlay", "sim.crashes", "sim.injector", "sim.vmClasses"]);
    for (const [stream, seed] of Object.entries(seeds)) expect(seed).toBe(await documented(11, stream));
    const again = await run(["rerun", dir, "--json"]);
    expect(again.exitCode).toBe(0);
  });

  it("scheduler options are checked: the baseline takes none", () => {
    const cluster = createSimCluster({ seed: 1, nodes: 2, vmsPerNode: 1 }).runtime;
    expect(() => noopScheduler.create(cluster, { period: 3 })).toThrow(/none: takes no options, got 'period'/);
  });
});
