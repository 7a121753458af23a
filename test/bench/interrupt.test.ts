/**
 * A bench stopped early removes what it set up (bench/interrupt.ts): the
 * services bench, interrupted once its namespaced hosts exist, exits 130
 * with one line on stderr and leaves no namespace, link, sshd or state behind.
 */
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { isClean, listLeftovers } from "../../plugins/local/netns/index.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const PREFIX = "gfbsvc"; // bench/services.ts's pool

describe("an interrupted bench (bench/interrupt.ts)", () => {
  it("removes its host pool on SIGINT and exits 130", async () => {
    expect(isClean(await listLeftovers(PREFIX)), "no services bench running").toBe(true);
    const bench = execa("node", ["--import", "tsx", "bench/services.ts"], { cwd: root, reject: false });
    // Interrupted while its pool is live: after the four sshds are up.
    for (let i = 0; i < 600; i++) {
      const left = await listLeftovers(PREFIX);
      if (left.processes.length >= 4) break;
      await sleep(200);
    }
    expect((await listLeftovers(PREFIX)).processes.length).toBeGreaterThanOrEqual(4);
    bench.kill("SIGINT");
    const r = await bench;
    expect(r.exitCode).toBe(130);
    expect(r.stderr.trim().split("\n")).toEqual(["bench:services: SIGINT, removing what it set up"]);
    expect(await listLeftovers(PREFIX)).toEqual({ namespaces: [], links: [], processes: [], stateDir: false, subnets: [] });
  }, 180_000);
});
