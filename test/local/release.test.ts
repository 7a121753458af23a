/**
 * Release on the real local testbed when guests and daemons stop answering:
 * it must end, within its bound, with nothing left, and stop the operations
 * still in flight. Needs root and the packages, as e2e.test.ts.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { isLocalClean, listLocalLeftovers, localTestbed, type LocalTestbed } from "../../plugins/local/index.ts";
import { recordingContext } from "./step-context.ts";
import { realTestbedHooks } from "./suite.ts";
import { until } from "./until.ts";

/** The pid of the process in a node's namespace whose command line holds `needle`. */
async function pidIn(node: string, needle: string): Promise<number> {
  const { stdout } = await execa("ip", ["netns", "pids", node]);
  for (const pid of stdout.split("\n").filter(Boolean)) {
    if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes(needle)) return Number(pid);
  }
  throw new Error(`no process with '${needle}' in ${node}`);
}

/** Running or stopped; a zombie waiting for its reaper is gone. */
const alive = (pid: number): boolean => {
  const stat = readFileSyncOr(`/proc/${pid}/stat`);
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
};
const readFileSyncOr = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

describe("local testbed release, for real", () => {
  realTestbedHooks();

  it("ends within its bound with a frozen guest, a frozen libvirtd and operations in flight, which end with it; nothing is left", async () => {
    const lines: string[] = [];
    const tb = localTestbed.create({ seed: 5, options: {}, archiveDir: mkdtempSync(join(tmpdir(), "lt-arch-")), log: (m) => void lines.push(m) }) as LocalTestbed;
    const ctx = recordingContext("release", 5);
    let released = false;
    try {
      const nodes = await tb.deploy(await tb.reserve({ nodes: 2 }, ctx), {}, ctx);
      const [vm0, vm1] = await tb.bootVms(nodes, { perNode: 1, memoryMiB: 256 }, ctx);
      expect([vm0.node, vm1.node]).toEqual([nodes[0].name, nodes[1].name]);
      const guest = await pidIn(nodes[0].name, `guest=${vm0.name},`);
      const libvirtd = Number(readFileSync(join("/run/g5k-flow/local", nodes[1].name.split("-")[0], nodes[1].name, "libvirtd.pid"), "utf8"));
      process.kill(guest, "SIGSTOP");
      process.kill(libvirtd, "SIGSTOP");
      // Both wait on what no longer answers: an SSH channel in the frozen guest, virsh migrate on the frozen libvirtd.
      const uptime = tb.guestUptime(vm0.name, 600);
      const move = tb.migrate(vm1.name, nodes[0].name, ctx);
      await sleep(2000);
      const t = Date.now();
      await tb.release();
      released = true;
      // Destroying vm-1 through the frozen libvirtd is given up on after 30 s; the nodes' teardown kills it.
      expect(Date.now() - t).toBeLessThan(90_000);
      const ended = await Promise.race([Promise.all([uptime, move]), sleep(3000).then(() => null)]);
      expect(ended, "operations still running after the release").not.toBeNull();
      const [seen, moved] = ended!;
      expect(seen).toBeNull();
      expect(moved.outcome).toBe("failed");
      const said = lines.filter((l) => l.startsWith(`release: virsh destroy ${vm1.name} on ${nodes[1].name}: `));
      expect(said).toHaveLength(1);
      expect(said[0]).not.toContain("\n");
      // Killed with the nodes (SIGKILL ends stopped processes too).
      await until("the frozen guest and libvirtd to be gone", 10, () => !alive(guest) && !alive(libvirtd));
    } finally {
      if (!released) await tb.release();
    }
    expect(isLocalClean(await listLocalLeftovers())).toBe(true);
  }, 240_000);
});
