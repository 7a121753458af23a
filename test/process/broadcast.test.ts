import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { broadcastFile, remote, sha256File, SshRunner, TreeRunner } from "../../engine/process/index.ts";
import { UsageError } from "../../engine/errors.ts";
import { useHostPool } from "../support/hostpool.ts";
import { writeSeededFile } from "../support/bigfile.ts";
import { matching, until } from "./procs.ts";

const pool = useHostPool(20, "gfbcast");
let dir = "";
let file = "";
let tree: TreeRunner;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gf-bcast-"));
  file = join(dir, "image.bin");
  await writeSeededFile(file, 100, 42);
  tree = new TreeRunner(new SshRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile: pool().knownHostsFile } }));
}, 60_000);
afterAll(async () => {
  await tree?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("file broadcast on 20 namespaced sshd hosts", () => {
  it("delivers a 100 MB file to every host, checked by sha256 on each host, and skips hosts that have it", async () => {
    const { hosts } = pool();
    // Namespaces share one file system: each host gets its own path.
    const dest = `${dir}/{{host}}.img`;
    const expected = await sha256File(file);
    await copyFile(file, `${dir}/${hosts[3].name}.img`); // already there: must be skipped
    const r = await broadcastFile(tree, file, hosts, dest);
    expect(r.sha256).toBe(expected);
    expect(r.skipped).toEqual([hosts[3].name]);
    expect([r.ok, r.failed]).toEqual([20, 0]);
    const check = await remote({ argv: ["sha256sum", dest] }, hosts, tree.ssh).run();
    expect(check.results.map((x) => x.stdout.split(" ")[0])).toEqual(hosts.map(() => expected));
    const again = await broadcastFile(tree, file, hosts, dest);
    expect(again.skipped.length).toBe(20);
  }, 240_000);

  it("sends along a chain (arity 1) and reports a corrupted copy as replaced", async () => {
    const { hosts } = pool();
    const small = join(dir, "small.bin");
    await writeSeededFile(small, 2, 7);
    const dest = `${dir}/chain-{{host}}.bin`;
    await writeSeededFile(`${dir}/chain-${hosts[1].name}.bin`, 2, 8); // stale content: not skipped
    const r = await broadcastFile(tree, small, hosts.slice(0, 6), dest, { arity: 1 });
    expect([r.ok, r.skipped]).toEqual([6, []]);
    expect(await sha256File(`${dir}/chain-${hosts[1].name}.bin`)).toBe(r.sha256);
    await expect(broadcastFile(tree, small, hosts, "relative/path")).rejects.toThrow(UsageError);
  }, 60_000);

  it("stops at its time limit or on abort, killing hung relays on their hosts", async () => {
    const { hosts, knownHostsFile } = pool();
    const nap = `300.${process.pid}3`;
    const hung = new TreeRunner(new SshRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile } }), { relayArgv: ["sleep", nap] });
    const some = hosts.slice(0, 3); // arity 2: a relay on hosts 0 (for 1) and 2
    const small = join(dir, "stuck.bin");
    await writeSeededFile(small, 1, 9);
    const relaysGone = () => until("hung relays to be gone", async () => (await matching(some[0].labels!.netns, nap)).length + (await matching(some[2].labels!.netns, nap)).length === 0, 3000);
    try {
      const t = Date.now();
      const late = await broadcastFile(hung, small, some, `${dir}/stuck-{{host}}.bin`, { timeout: 1 });
      expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
      expect(Date.now() - t).toBeLessThan(4000);
      expect([late.timedOut, late.ok]).toEqual([3, 0]);
      expect(late.results.every((x) => x.error === "broadcast exceeded its time limit of 1 s")).toBe(true);
      await relaysGone();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const stopped = await broadcastFile(hung, small, some, `${dir}/stuck-{{host}}.bin`, { signal: ac.signal });
      expect([stopped.failed, stopped.ok]).toEqual([3, 0]);
      expect(stopped.results.map((x) => x.error)).toEqual(["aborted", "aborted", "aborted"]);
      await relaysGone();
    } finally {
      await hung.close();
    }
  }, 30_000);
});
