import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { cpioArchive } from "../../plugins/libvirt/guest/cpio.ts";
import { GaussianLoad, stressArgs, toSlot } from "../../plugins/libvirt/load/injector.ts";
import { parseLocalOptions } from "../../plugins/local/options.ts";
import type { HostResult } from "../../engine/process/index.ts";
import { overlayPath } from "../../plugins/libvirt/vms/disk.ts";
import { failureLine, migrateArgv, parseDomstats, parseJobInfo } from "../../plugins/libvirt/virsh.ts";
import { sh } from "../../plugins/local/netns/run.ts";
import { within } from "../../plugins/local/within.ts";
import { placeVms } from "../../plugins/libvirt/vms/placement.ts";
import { macForIp } from "../../plugins/libvirt/ip-mac.ts";
import { SubnetAllocator } from "../../plugins/libvirt/vms/subnet.ts";
import { domainXml } from "../../plugins/libvirt/vms/domain-xml.ts";

describe("cpio newc writer", () => {
  it("writes an archive busybox cpio extracts with the same tree, contents and modes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cpio-"));
    const archive = cpioArchive([
      { kind: "file", path: "/bin/tool", data: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
      { kind: "dir", path: "/bin" },
      { kind: "symlink", path: "/bin/alias", target: "tool" },
      { kind: "file", path: "/etc/odd", data: Buffer.from("abc"), mode: 0o600 },
      { kind: "dir", path: "/etc" },
    ]);
    writeFileSync(join(dir, "a.cpio"), archive);
    const out = join(dir, "out");
    await execa("mkdir", [out]);
    await execa("busybox", ["cpio", "-i", "-d", "-F", join(dir, "a.cpio")], { cwd: out });
    expect(readFileSync(join(out, "bin/tool"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(readFileSync(join(out, "bin/alias"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(readFileSync(join(out, "etc/odd"), "utf8")).toBe("abc");
    const mode = (await execa("stat", ["-c", "%a", join(out, "bin/tool"), join(out, "etc/odd")])).stdout.split("\n");
    expect(mode).toEqual(["755", "600"]);
  });

  it("is reproducible: the same entries in any order give the same bytes", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 8 }), (names) => {
      const entries = names.map((n) => ({ kind: "file" as const, path: `/d/${n}`, data: Buffer.from(n) }));
      expect(cpioArchive(entries).equals(cpioArchive([...entries].reverse()))).toBe(true);
    }));
  });
});

describe("guest subnet allocator (g5k-subnets rules)", () => {
  it("gives unique guest IPs whose MAC is 00:16:3e + the IP's last three octets, never a node's address", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 300 }), (slot, nodes, guests) => {
      const a = new SubnetAllocator(slot, nodes);
      const ips = Array.from({ length: guests }, () => a.allocate());
      const nodeIps = Array.from({ length: nodes }, (_, i) => a.nodeAddress(i).split("/")[0]);
      expect(new Set(ips.map((g) => g.ip)).size).toBe(guests);
      for (const g of ips) {
        const [, b, c, d] = g.ip.split(".").map(Number);
        expect(g.mac).toBe(`00:16:3e:${[b, c, d].map((x) => x.toString(16).padStart(2, "0")).join(":")}`);
        expect(nodeIps).not.toContain(g.ip);
        expect(g.ip.startsWith(a.cidr.split(".").slice(0, 2).join("."))).toBe(true);
      }
    }));
  });

  it("reuses a released address and refuses to overflow the /22", () => {
    const a = new SubnetAllocator(3, 2);
    const first = a.allocate();
    a.allocate();
    a.release(first);
    expect(a.allocate().ip).toBe(first.ip);
    expect(macForIp("10.160.12.1")).toBe("00:16:3e:a0:0c:01");
    expect(() => Array.from({ length: 1100 }, () => a.allocate())).toThrow(UsageError);
  });
});

describe("placement policies", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `vm-${i}`);
  it("round-robin spreads evenly, packed fills nodes in order, both stay on the given nodes", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 6 }), (nodeCount, perNode) => {
      const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i}`);
      const vms = names(nodeCount * perNode);
      for (const policy of ["round-robin", "packed"] as const) {
        const placed = placeVms(vms, nodes, perNode, { policy });
        const counts = nodes.map((n) => placed.filter((p) => p === n).length);
        expect(counts.every((c) => c === perNode)).toBe(true);
      }
      const packed = placeVms(vms, nodes, perNode, { policy: "packed" });
      expect([...packed].sort()).toEqual(packed);
    }));
  });

  it("given follows the map and rejects unknown VMs or nodes with a UsageError", () => {
    expect(placeVms(["a", "b"], ["n0", "n1"], 1, { policy: "given", map: { a: "n1", b: "n1" } })).toEqual(["n1", "n1"]);
    expect(() => placeVms(["a"], ["n0"], 1, { policy: "given", map: {} })).toThrow(UsageError);
    expect(() => placeVms(["a"], ["n0"], 1, { policy: "given", map: { a: "n9" } })).toThrow(UsageError);
  });
});

describe("virsh output parsers (texts captured from libvirt 9.0 here)", () => {
  it("reads domstats state and CPU time per domain", () => {
    const text = "Domain: 'vm-0'\n  state.state=1\n  state.reason=1\n  cpu.time=5123456789\n  cpu.user=1\n\nDomain: 'vm-1'\n  state.state=3\n  state.reason=2\n  cpu.time=42\n";
    expect(parseDomstats(text)).toEqual([
      { name: "vm-0", state: 1, cpuTimeNs: 5123456789 },
      { name: "vm-1", state: 3, cpuTimeNs: 42 },
    ]);
  });

  it("reads the completed migration job of the destination", () => {
    const text = `Job type:         Completed
Operation:        Incoming migration
Time elapsed:     2745         ms
Memory processed: 131.274 MiB
Memory bandwidth: 101.809 MiB/s
Iteration:        3
Total downtime:   358          ms
Downtime w/o network: 301          ms`;
    expect(parseJobInfo(text)).toEqual({ elapsedMs: 2745, downtimeMs: 358, iterations: 3, dataTotalMiB: 131.274 });
    expect(parseJobInfo("")).toEqual({ elapsedMs: null, downtimeMs: null, iterations: null, dataTotalMiB: null });
  });

  it("migrates with the overlay's blocks, made first at the destination over the same base, names kept as separate arguments", () => {
    const base = { path: "/var/tmp/g5k-flow/0123-base.qcow2", bytes: 67108864 };
    const argv = migrateArgv("vm-3", "10.77.1.4", base);
    expect(argv.slice(0, 2)).toEqual(["sh", "-c"]);
    const [script, , vm, dst, src, volume] = argv.slice(2);
    expect([vm, dst, src]).toEqual(["vm-3", "10.77.1.4", ""]);
    expect(script).toContain("migrate --live --copy-storage-inc");
    expect(script).toContain('--migrateuri "tcp://$2"');
    expect(volume).toContain("<name>vm-3.qcow2</name>");
    expect(volume).toContain("<backingStore><path>/var/tmp/g5k-flow/0123-base.qcow2</path><format type='qcow2'/></backingStore>");
    expect(volume).toContain("<capacity unit='bytes'>67108864</capacity>");
    // Agents' template: the VM's name is substituted inside the volume's XML too.
    expect(migrateArgv("{{vm}}", "{{destination}}", base, "{{source}}")[7]).toContain("<name>{{vm}}.qcow2</name>");
  });

  it("escapes names in domain XML and gives the guest its overlay as vda", () => {
    const xml = domainXml({ name: "a<b>&'", vcpus: 1, memoryMiB: 256, mac: "00:16:3e:00:00:01", address: "10.160.0.1/22", kernel: "/k", initrd: "/i", disk: overlayPath("a<b>&'"), accel: "tcg", consoleLog: "/c" });
    expect(xml).toContain("<name>a&lt;b&gt;&amp;&apos;</name>");
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain("<source file='/var/lib/libvirt/images/g5k-flow/a&lt;b&gt;&amp;&apos;.qcow2'/>");
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
  });
});

describe("load profiles", () => {
  it("draws the same seeded sequence twice, loads on the 10 VMPlaceS slots", () => {
    const run = (seed: number) => {
      const g = new GaussianLoad(seed, 0.6, 0.2);
      return Array.from({ length: 50 }, () => g.next(8, 300));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    for (const e of run(7)) {
      expect(Math.round(e.load * 10) / 10).toBe(e.load);
      expect(e.vm).toBeGreaterThanOrEqual(0);
      expect(e.vm).toBeLessThan(8);
      expect(e.delay).toBeGreaterThan(0);
    }
    expect(toSlot(1.7)).toBe(1);
    expect(toSlot(-0.3)).toBe(0);
  });

  it("turns a load and a dirtying intensity into stress-ng arguments", () => {
    expect(stressArgs(2, 0.55, 256)).toEqual(["--cpu", "2", "--cpu-load", "55"]);
    expect(stressArgs(1, 0, 256, 0.5)).toEqual(["--vm", "1", "--vm-bytes", "48M", "--vm-keep"]);
    expect(stressArgs(1, 0, 256, 0)).toEqual([]);
  });
});

describe("testbed options", () => {
  it("coerces strings, rejects unknown keys and bad values with a UsageError naming the option", () => {
    expect(parseLocalOptions({ cores: "2", accel: "tcg" })).toMatchObject({ cores: 2, accel: "tcg", poolSize: 16 });
    expect(() => parseLocalOptions({ nope: "1" })).toThrow(UsageError);
    expect(() => parseLocalOptions({ bootTimeout: "-1" })).toThrow(/bootTimeout/);
  });
});

describe("bounded operations", () => {
  const result = (r: Partial<HostResult>): HostResult => ({ host: "lf0-h1", status: "failed", exitCode: 1, signal: null, stdout: "", stderr: "", start: 0, end: 0, ...r });

  it("say why a remote operation failed in one line naming it and its host", () => {
    expect(failureLine("virsh destroy vm-1", result({ status: "timed-out", exitCode: null }), 30)).toBe("virsh destroy vm-1 on lf0-h1: no answer within 30 s");
    expect(failureLine("virsh destroy vm-1", result({ status: "unreachable", error: "ssh lf0-h1: no tunnel\nwithin 10 s" }), 30))
      .toBe("virsh destroy vm-1 on lf0-h1: unreachable by SSH: ssh lf0-h1: no tunnel within 10 s");
    expect(failureLine("virsh create", result({ stderr: "error: Failed to create domain\nerror: no memory\n" }), 60)).toBe("virsh create on lf0-h1: error: Failed to create domain error: no memory");
    expect(failureLine("virsh create", result({ exitCode: 3 }), 60)).toBe("virsh create on lf0-h1: exit code 3");
  });

  it("give up on work past its bound with an error naming it, and pass results and errors through before", async () => {
    const t = Date.now();
    await expect(within(new Promise(() => undefined), 0.2, "release: closing the guests")).rejects.toThrow(/^release: closing the guests: not done within 0.2 s$/);
    expect(Date.now() - t).toBeLessThan(1000);
    await expect(within(Promise.resolve(7), 5, "x")).resolves.toBe(7);
    await expect(within(Promise.reject(new Error("boom")), 5, "x")).rejects.toThrow(/^boom$/);
  });

  it("stop a system tool that does not return within its bound, naming it", async () => {
    const t = Date.now();
    await expect(sh("sleep", ["30"], undefined, 0.3)).rejects.toThrow(/^sleep 30: not done within 0.3 s$/);
    expect(Date.now() - t).toBeLessThan(3000);
  });
});
