import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildForest, remote, SshRunner, TreeRunner } from "../../engine/process/index.ts";
import { useHostPool } from "../support/hostpool.ts";
import { findInNamespace } from "../support/kill.ts";
import { matching, until } from "./procs.ts";

const pool = useHostPool(20, "gftree");
const runners: TreeRunner[] = [];
const tree = (opts: ConstructorParameters<typeof TreeRunner>[1] = {}) => {
  const r = new TreeRunner(new SshRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile: pool().knownHostsFile } }), { arity: 4, ...opts });
  runners.push(r);
  return r;
};
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

function flat(n: { index: number; children: readonly { index: number; children: readonly unknown[] }[] }): number[] {
  return [n.index, ...n.children.flatMap((c) => flat(c as typeof n))];
}

describe("tree plan", () => {
  it("covers every host exactly once with at most `arity` children per node (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 2, max: 40 }), (n, arity) => {
      const forest = buildForest([...Array(n).keys()], arity);
      expect(forest.length).toBeLessThanOrEqual(arity);
      expect(forest.flatMap(flat).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      const maxKids = (t: { children: readonly unknown[] }): number =>
        Math.max(t.children.length, ...t.children.map((c) => maxKids(c as typeof t)));
      expect(Math.max(...forest.map(maxKids))).toBeLessThanOrEqual(arity);
    }), { seed: 5, numRuns: 200 });
  });
});

describe("tree fan-out on 20 namespaced sshd hosts", () => {
  it("runs on all hosts through 4 relays with per-host output and exit codes", async () => {
    const t = tree();
    const { hosts } = pool();
    const r = await remote({ argv: ["sh", "-c", 'hostname; exit $(($1 % 2))', "sh", "{{rank}}"], expectedExit: [0] }, hosts, t).run();
    expect(r.results.map((x) => x.host)).toEqual(hosts.map((h) => h.name));
    expect(r.results.map((x) => x.stdout)).toEqual(hosts.map((h) => `${h.name}\n`));
    expect(r.results.map((x) => x.exitCode)).toEqual(hosts.map((_, i) => i % 2));
    expect([r.ok, r.failed]).toEqual([10, 10]);
    expect(t.ssh.pool.opened).toBe(4); // the controller talks to the relays only
    expect(r.results.some((x) => x.reparented)).toBe(false);
  }, 60_000);

  it("times out down the tree", async () => {
    const { hosts } = pool();
    const r = await remote({ argv: ["sh", "-c", "trap '' TERM; sleep 30"], timeout: 0.5, killAfter: 0.5 }, hosts, tree()).run();
    expect(r.timedOut).toBe(20);
  }, 60_000);

  it("stops a hung relay at its time limit, reports its subtree timed out and kills it on its host", async () => {
    const { hosts } = pool();
    const some = hosts.slice(0, 8); // arity 4: relays 0, 2, 4, 6 with one leaf each
    const nap = `300.${process.pid}5`;
    const t = tree({ relayArgv: ["sleep", nap], connectTimeout: 1 });
    const started = Date.now();
    const r = await remote({ argv: ["true"], timeout: 0.3, killAfter: 0.3 }, some, t).run();
    // limit = 0.3 + 0.3 + one level × (1 s connect + 2 s start-up) = 3.6 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(3600);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.timedOut).toBe(8);
    expect(new Set(r.results.map((x) => x.error))).toEqual(new Set([0, 2, 4, 6].map((i) => `relay ${hosts[i].name} exceeded its time limit of 3.6 s`)));
    expect(r.results.some((x) => x.reparented)).toBe(false);
    for (const i of [0, 2, 4, 6]) {
      await until(`the hung relay on ${hosts[i].name} to be gone`, async () => (await matching(hosts[i].labels!.netns, nap)).length === 0, 3000);
    }
  }, 30_000);

  it("re-parents the subtree of a relay killed mid-run: no host lost", async () => {
    const { hosts } = pool();
    const t = tree();
    const run = remote({ argv: ["sh", "-c", "sleep 2; hostname"] }, hosts, t).run();
    const relayPid = await findInNamespace(hosts[0].labels!.netns, "relay.mjs");
    process.kill(relayPid, "SIGKILL");
    const r = await run;
    expect(r.results.map((x) => x.stdout)).toEqual(hosts.map((h) => `${h.name}\n`));
    expect(r.ok).toBe(20);
    const moved = r.results.filter((x) => x.reparented).map((x) => x.host);
    expect(moved).toEqual(hosts.slice(0, 5).map((h) => h.name)); // relay 0 and its 4 children
    expect(new Set(r.results.filter((x) => x.reparented).map((x) => x.reparented))).toEqual(new Set([hosts[0].name]));
  }, 60_000);

  it("reports the subtree of a killed relay as failed under onRelayLoss=fail", async () => {
    const { hosts } = pool();
    const run = remote({ argv: ["sh", "-c", "sleep 2; hostname"] }, hosts, tree({ onRelayLoss: "fail" })).run();
    process.kill(await findInNamespace(hosts[5].labels!.netns, "relay.mjs"), "SIGKILL");
    const r = await run;
    const failed = r.results.filter((x) => x.status !== "ok");
    expect(failed.map((x) => x.host)).toEqual(hosts.slice(5, 10).map((h) => h.name));
    expect(failed.every((x) => x.error === `relay ${hosts[5].name} lost`)).toBe(true);
    expect(r.ok).toBe(15);
  }, 60_000);
});
