/**
 * The ssh testbed against real sshd hosts (network namespaces) reachable only
 * through a namespaced jump host, driven by the CLI as a user would.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readJournal, readManifest } from "../../engine/archive/run-archive.ts";
import { createHostPool, deployNodes, destroyNodes, releaseReservation, reserveNodes, type HostPool } from "../../plugins/local/index.ts";
import { virsh } from "../../plugins/libvirt/index.ts";
import { sshTestbed } from "../../plugins/ssh/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { isClean, listLeftovers } from "../../plugins/local/netns/index.ts";
import { ROOT } from "../engine/cli-helpers.ts";
import { gatewayFor, type Gateway } from "../g5k/gateway.ts";
import { qemuCount } from "../g5k/qemu-count.ts";

const BIN = join(ROOT, "bin/g5k-flow.js");
const WORKFLOW = join(ROOT, "test/ssh/fixtures/exec-all.ts");
const cli = (args: readonly string[]) => execa("node", [BIN, ...args], { reject: false, cwd: ROOT, env: { CI: "1" } });

describe("ssh testbed: an inventory of sshd hosts behind a jump host", () => {
  let pool: HostPool;
  let gateway: Gateway;
  const work = mkdtempSync(join(tmpdir(), "ssh-tb-"));

  beforeAll(async () => {
    pool = await createHostPool({ count: 3, prefix: "sshtb" });
    gateway = await gatewayFor(pool, "sshgw", pool.keyFile);
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await pool?.destroy();
    for (const prefix of ["sshtb", "sshgw"]) expect(isClean(await listLeftovers(prefix))).toBe(true);
  }, 60_000);

  const inventory = (hosts: readonly Record<string, unknown>[], file = "hosts.yaml"): string => {
    const path = join(work, file);
    writeFileSync(path, stringify({ defaults: { user: "root", keyFile: pool.keyFile, jump: "gw" }, gateways: [{ name: "gw", address: gateway.address }], hosts }));
    return path;
  };

  it("reserves 3 hosts, replacing one that does not answer, and runs x.exec on each through the jump host", async () => {
    const [a, b, c] = pool.hosts;
    const dead = pool.subnet.replace(/\.0\/24$/, ".200"); // on the hidden bridge, nobody there
    const path = inventory([
      { name: "node-a", address: a!.address, capacity: { cores: 8, memoryMiB: 16384 } },
      { name: "node-dead", address: dead },
      { name: "node-b", address: b!.address },
      { name: "node-c", address: c!.address, labels: { rack: "r2" } },
    ]);
    const results = mkdtempSync(join(work, "results-"));
    const run = await cli(["run", WORKFLOW, "--testbed", "ssh", "--testbed-opt", `inventory=${path}`, "--testbed-opt", "retries=0", "--testbed-opt", "connectTimeout=3", "--json", "--results", results]);
    expect(run.exitCode, run.stderr).toBe(0);
    const { run: dir, summary } = JSON.parse(run.stdout) as { run: string; summary: { hosts: string[]; said: string[]; cores: number[] } };
    // The unreachable host's place went to the next inventory host.
    expect(summary.hosts).toEqual(["node-a", "node-c", "node-b"]);
    expect(summary.said).toEqual([`${a!.name} node-a`, `${c!.name} node-c`, `${b!.name} node-b`]);
    // Capacity from the inventory where given, else read from the host (nproc).
    expect(summary.cores[0]).toBe(8);
    expect(summary.cores[1]).toBeGreaterThanOrEqual(1);
    const journal = readJournal(dir);
    expect(journal.filter((e) => e.event === "host-replaced").map((e) => [e.host, e.spare])).toEqual([["node-dead", "node-c"]]);
    expect(journal.filter((e) => e.event === "host" && e.status === "ok")).toHaveLength(3);
    const described = readManifest(dir).testbed.descriptions[0] as { hosts: Array<{ name: string; jump: string }> };
    expect(described.hosts.map((h) => h.jump)).toEqual(["gw", "gw", "gw"]);
  }, 120_000);

  it("answers a bad inventory in one line with exit code 2 before anything runs: shell metacharacters never reach a shell", async () => {
    const marker = join(work, "pwned");
    const [a] = pool.hosts;
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ["name-semicolon", { name: `a;touch ${marker}`, address: a!.address }, /hosts\[0\]\.name: letters, digits/],
      ["name-subshell", { name: `$(touch ${marker})`, address: a!.address }, /hosts\[0\]\.name: letters, digits/],
      ["address-backquote", { name: "ok", address: `\`touch ${marker}\`` }, /hosts\[0\]\.address: an IP address or a host name/],
      ["user-pipe", { name: "ok", address: a!.address, user: `x|touch ${marker}` }, /hosts\[0\]\.user: a user name/],
      ["jump-ampersand", { name: "ok", address: a!.address, jump: `gw&&touch ${marker}` }, /hosts\[0\]\.jump: letters, digits/],
      ["unknown-key", { name: "ok", address: a!.address, command: `touch ${marker}` }, /hosts\[0\]: Unrecognized key: "command"/],
    ];
    for (const [label, host, why] of bad) {
      const results = mkdtempSync(join(work, "results-"));
      const run = await cli(["run", WORKFLOW, "--testbed", "ssh", "--testbed-opt", `inventory=${inventory([host], `${label}.yaml`)}`, "--results", results]);
      expect(run.exitCode, label).toBe(2);
      expect(run.stdout, label).toBe("");
      expect(run.stderr.trim().split("\n"), label).toHaveLength(1);
      expect(run.stderr, label).toMatch(why);
      expect(run.stderr, label).toMatch(/^g5k-flow: ssh inventory /);
      expect(readdirSync(results), `${label}: nothing archived`).toEqual([]);
    }
    const malformed = join(work, "malformed.yaml");
    writeFileSync(malformed, "hosts:\n  - name: a\n   address: [oops\n");
    const run = await cli(["run", WORKFLOW, "--testbed", "ssh", "--testbed-opt", `inventory=${malformed}`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^g5k-flow: ssh inventory .*malformed\.yaml: not valid YAML: Sequence item without - indicator at line 3, column 1$/);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});

/** A defined, never started domain: its name is taken on that node's libvirtd. */
const stoppedDomain = (name: string): string =>
  `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>`;

describe("ssh testbed VMs: inventory hosts running libvirtd (namespaced nodes)", () => {
  it("checks libvirtd at deploy, boots guests from guestSubnet under the step's failure policy, live-migrates one, destroys them at release", async () => {
    const work = mkdtempSync(join(tmpdir(), "ssh-vm-"));
    const { prefix } = await reserveNodes(2, 16);
    // Nodes hold the top of the guests' /22, guests take the bottom.
    const nodes = await deployNodes(prefix, 2, (i) => `10.161.3.${253 - i}/22`, () => undefined);
    try {
      const path = join(work, "hosts.yaml");
      writeFileSync(path, stringify({ defaults: { user: "root", keyFile: nodes.pool.keyFile }, hosts: nodes.nodes.map((n, i) => ({ name: `vmhost-${i}`, address: n.host.address })) }));
      const options = { inventory: path, guestSubnet: "10.161.0.0/22", accel: "probe", imageDir: join(work, "images") };
      sshTestbed.validateOptions!(options);
      const tb = sshTestbed.create({ seed: 3, options, archiveDir: work, log: () => undefined });
      const ctx = recordingContext("vms", 3);
      try {
        const deployed = await tb.deploy(await tb.reserve({ nodes: 2 }, ctx), {}, ctx);
        // vm-0002 and vm-0003 go to vmhost-1, where a stopped domain of each name is already defined: libvirt refuses to create them.
        for (const name of ["vm-0002", "vm-0003"]) {
          const defined = await tb.processRunner!().exec(deployed[1]!, 0, { argv: virsh("define", "/dev/stdin"), stdin: stoppedDomain(name), timeout: 30 });
          expect(defined.status, defined.stderr).toBe("ok");
        }
        const policy = { retries: 1, backoff: 0.2, require: { count: 1 } };
        const vms = await tb.bootVms(deployed, { perNode: 1, memoryMiB: 256, policy }, ctx);
        expect(vms.map((v) => [v.name, v.address, v.mac, v.node])).toEqual([["vm-0001", "10.161.0.1", "00:16:3e:a1:00:01", "vmhost-0"]]);
        // Retried once, then excluded and named in the journal.
        const about = (event: string) => ctx.events.filter((e) => e.event === event);
        expect(about("vm-boot-retry").map((e) => [e.vm, e.node, e.attempt])).toEqual([["vm-0002", "vmhost-1", 0]]);
        expect(about("vm-boot-failed").map((e) => [e.vm, e.node])).toEqual([["vm-0002", "vmhost-1"]]);
        expect(String(about("vm-boot-failed")[0]!.reason)).toMatch(/domain 'vm-0002' already exists/);
        expect(about("vms-excluded").map((e) => e.vms)).toEqual([["vm-0002"]]);
        const moved = await tb.migrate("vm-0001", "vmhost-1", ctx);
        expect(moved).toMatchObject({ from: "vmhost-0", to: "vmhost-1", outcome: "ok" });
        expect((await tb.observe()).vms.map((v) => v.node)).toEqual(["vmhost-1"]);
        // Without a policy every VM must boot: the step fails, naming the one that did not.
        await expect(tb.bootVms(deployed.slice(1), { perNode: 1, memoryMiB: 256 }, ctx)).rejects.toThrow(/^bootVms: 0 of 1 VMs succeeded, 1 required; failed: vm-0003 \(.*already exists/);
        expect(about("vm-boot-failed").map((e) => e.vm)).toEqual(["vm-0002", "vm-0003"]);
      } finally {
        await tb.release();
      }
      expect(await qemuCount(nodes.nodes.map((n) => n.host.name))).toBe(0);
    } finally {
      await destroyNodes(nodes);
      await releaseReservation(prefix);
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
