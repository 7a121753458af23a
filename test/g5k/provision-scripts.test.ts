/** The provisioning scripts' checks, run here (no node): what they find done is skipped, and each node's host UUID is hostUuid()'s. */
import { execa } from "execa";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostUuid } from "../../plugins/libvirt/index.ts";
import { HOST_UUID_SH } from "../../plugins/libvirt/daemon.ts";
import { readFileSync } from "node:fs";
import { fullScript, PACKAGES, probeScript, SYSCTL, type SubStepScript } from "../../plugins/libvirt/provision/scripts.ts";

/** A sub-step's check alone, in bash as the probe runs it: true when it finds the work done. */
const checkOnly = async (s: SubStepScript, args: readonly string[]): Promise<boolean> =>
  (await execa("bash", ["-c", `c() {\n${s.check}\n}\nc "$@"`, "check", ...args], { reject: false })).exitCode === 0;

describe("provisioning scripts", () => {
  it("compute in sh the host UUID hostUuid() gives (each node computes its own, one command for all)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z][a-z0-9.-]{0,40}$/), async (node) => {
        const r = await execa("sh", ["-c", `node=$1; ${HOST_UUID_SH}`, "uuid", node]);
        expect(r.stdout.trim()).toBe(hostUuid(node));
      }),
      { numRuns: 20, seed: 15 },
    );
  });

  it("skip packages dpkg holds as installed (namespaced nodes share this machine's)", async () => {
    const r = await execa("sh", ["-c", fullScript(PACKAGES), "packages", "iproute2", "util-linux"]);
    expect(r.stdout.trim()).toBe("skip: all 2 packages installed");
  });

  it("probe every sub-step in one bash command: ok only when every check finds its work done, and never does the work", async () => {
    // The last script (verify in provisioning) runs whole and must set the `reported` UUID to libvirtd.conf's (conf_uuid).
    const last: SubStepScript = { check: "return 1", apply: 'echo "last: $1 $2"; reported=$conf_uuid' };
    const probe = (packages: readonly string[]) =>
      execa("bash", ["-c", probeScript([PACKAGES, last], [packages.length, 2]), "probe", ...packages, "a b", "{{c}}"], { reject: false });
    const ok = await probe(["iproute2", "util-linux"]);
    expect([ok.exitCode, ok.stdout]).toEqual([0, "last: a b {{c}}"]);
    // A package missing: the probe fails, and the check alone installs nothing (no apt-get, no output of the last script).
    const missing = await probe(["iproute2", "g5k-flow-no-such-package"]);
    expect([missing.exitCode, missing.stdout]).toEqual([1, ""]);
  });

  it("find the ARP table too small where it is the namespace's (this machine's, read only), sized when it holds the thresholds", async () => {
    const current = [1, 2, 3].map((i) => Number(readFileSync(`/proc/sys/net/ipv4/neigh/default/gc_thresh${i}`, "utf8").trim()));
    expect(await checkOnly(SYSCTL, current.map(String))).toBe(true);
    for (const i of [0, 1, 2]) expect(await checkOnly(SYSCTL, current.map((v, k) => String(k === i ? v + 1 : v)))).toBe(false);
  });

  it("leave the ARP table alone in a network namespace, where it is the machine's", async () => {
    const ns = `pv-sysctl-${process.pid}`;
    await execa("ip", ["netns", "add", ns]);
    try {
      const r = await execa("ip", ["netns", "exec", ns, "sh", "-c", fullScript(SYSCTL), "sysctl", "4096", "8192", "16384"]);
      expect(r.stdout.trim()).toBe("skip: the ARP table is not this network namespace's");
    } finally {
      await execa("ip", ["netns", "del", ns]);
    }
  });
});
