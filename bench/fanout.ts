/**
 * Fan-out benchmark (issues 7, 17): `hostname` on 100 namespaced sshd hosts,
 * cold (best of three interleaved rounds each, and the SSH connections alone)
 * and warm, with g5k-flow direct and tree, taktuk, clush and parallel ssh;
 * direct against tree again on 200 hosts; then a 100 MB broadcast to 20 hosts
 * against sequential scp. Prints the figures; the last line is one JSON object.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { median as medianOf } from "../engine/metrics/stats.ts";
import { createHostPool, destroyPool } from "../plugins/local/netns/index.ts";
import { broadcastFile, remote, SshRunner, TaktukRunner, TreeRunner, type ActionReport } from "../engine/process/index.ts";
import type { Host } from "../engine/hosts.ts";
import { writeSeededFile } from "../test/support/bigfile.ts";
import { benchArgs } from "./args.ts";
import { cleanupOnInterrupt } from "./interrupt.ts";

benchArgs({ name: "fanout", description: "`hostname` on 100 and 200 namespaced sshd hosts, cold and warm (g5k-flow direct and tree, taktuk, clush, parallel ssh), then a 100 MB broadcast to 20 hosts against sequential scp. Needs root. Last line: one JSON object.", flags: {} });

const PREFIX = "gfbench";
const HOSTS = 100;
/** Hosts of the tree-versus-direct comparison: the same pool (one subnet, so relays reach every host). */
const ALL_HOSTS = 200;
const BROADCAST_HOSTS = 20;
const WARM_ROUNDS = 5;
const COLD_ROUNDS = 3;
/** USER_HZ, the unit of /proc/stat times (100 on Linux). */
const CLOCK_TICKS = 100;
const MIB = 100;
const SSH_OPTS = ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "BatchMode=yes", "LogLevel=ERROR"];

async function timed<T>(what: string, fn: () => Promise<T>, ok: (r: T) => boolean): Promise<number> {
  const t = performance.now();
  const r = await fn();
  const s = (performance.now() - t) / 1000;
  if (!ok(r)) throw new Error(`${what}: not every host succeeded`);
  console.log(`${what.padEnd(34)} ${s.toFixed(3)} s`);
  return s;
}

/** A moment for the connections a round just closed to end, so their teardown counts in that round's CPU, not the next tool's. */
const settle = () => sleep(2000);

/** CPU (s) the whole machine spent so far (user, nice, system, irq, softirq of /proc/stat), all processes and the kernel. */
async function machineCpuS(): Promise<number> {
  const [user, nice, system, , , irq, softirq] = (await readFile("/proc/stat", "utf8")).split("\n")[0].split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / CLOCK_TICKS;
}

const median = (xs: readonly number[]) => medianOf(xs) ?? Number.NaN;

const allOk = (hosts: readonly Host[]) => (r: ActionReport) => r.ok === hosts.length && r.results.every((x, i) => x.stdout === `${hosts[i].name}\n`);

async function main(): Promise<void> {
  // Registered before the pool exists: destroyPool also removes a pool half set up.
  const registered = cleanupOnInterrupt("fanout", () => destroyPool(PREFIX));
  const pool = await createHostPool({ count: ALL_HOSTS, prefix: PREFIX });
  const dir = await mkdtemp(join(tmpdir(), "gf-bench-"));
  try {
    const hosts = pool.hosts.slice(0, HOSTS);
    const cmd = { argv: ["hostname"] };
    const sshArgs = (h: Host) => [...SSH_OPTS.flatMap((o) => ["-o", o]), "-i", pool.keyFile, `root@${h.address}`];

    const policy = { hostKeyPolicy: { mode: "strict" as const, knownHostsFile: pool.knownHostsFile } };
    // Cold rounds interleaved, each tool's best kept: one round of any tool can land on the
    // machine's noise (quiet runs saw clush at 11.8 and 13.4 s). Each round is new connections
    // to the same sshds; the last direct runner stays open for the warm rounds.
    // `connect`: the direct runner's connections alone (handshake and key authentication, no channel),
    // the part of a cold round no client choice removes.
    const cold = { direct: [] as number[], connect: [] as number[], taktuk: [] as number[], clush: [] as number[] };
    // The machine's CPU per host in each round: client, sshds, shells, kernel (the connections' teardown
    // included). On two cores a cold round is CPU-bound, so this, not latency, sets each tool's time. Quiet machine only.
    const machineMs = { direct: [] as number[], connect: [] as number[], taktuk: [] as number[], clush: [] as number[] };
    const charged = async (tool: keyof typeof machineMs, s: () => Promise<number>) => {
      const before = await machineCpuS();
      const wall = await s();
      await settle();
      machineMs[tool].push(((await machineCpuS()) - before) * 1000 / HOSTS);
      return wall;
    };
    const runners = Array.from({ length: COLD_ROUNDS }, () => new SshRunner(policy));
    const direct = runners[COLD_ROUNDS - 1]; // the last round's connections serve the warm rounds
    for (const [i, runner] of runners.entries()) {
      const round = i + 1;
      cold.direct.push(await charged("direct", () => timed(`g5k-flow direct cold (round ${round})`, async () => {
        const r = await remote(cmd, hosts, runner).run();
        if (round < COLD_ROUNDS) await runner.close(); // its connections' teardown counts in this round's CPU
        return r;
      }, allOk(hosts))));
      const connecting = new SshRunner(policy);
      cold.connect.push(await charged("connect", () => timed(`g5k-flow connections only (round ${round})`, async () => {
        const conns = await Promise.all(hosts.map((h) => connecting.pool.connection(h).then(() => true, () => false)));
        await connecting.close();
        return conns;
      }, (conns) => conns.every(Boolean))));
      cold.taktuk.push(await charged("taktuk", () => timed(`taktuk (round ${round})`, () => remote(cmd, hosts, new TaktukRunner({ sshOptions: SSH_OPTS })).run(), allOk(hosts))));
      cold.clush.push(await charged("clush", () => timed(`clush, fanout ${HOSTS} (round ${round})`, () => execa("clush", [
        "-f", String(HOSTS), "-l", "root", "-o", `-i ${pool.keyFile} ${SSH_OPTS.map((o) => `-o ${o}`).join(" ")}`,
        "-w", hosts.map((h) => h.address).join(","), "hostname",
      ], { reject: false }), (r) => r.exitCode === 0 && String(r.stdout).trim().split("\n").length === HOSTS)));
    }
    const directCold = Math.min(...cold.direct);
    const taktuk = Math.min(...cold.taktuk);
    const clush = Math.min(...cold.clush);
    // Best of five warm rounds (each under a second): on a shared machine one round can land on another's burst.
    const warmRounds: number[] = [];
    const warmCpu: number[] = []; // the controller's own CPU in each round (user + system)
    for (let i = 0; i < WARM_ROUNDS; i++) {
      const cpu = process.cpuUsage();
      warmRounds.push(await timed(`g5k-flow direct warm (round ${i + 1})`, () => remote(cmd, hosts, direct).run(), allOk(hosts)));
      const used = process.cpuUsage(cpu);
      warmCpu.push((used.user + used.system) / 1e6);
    }
    const directWarm = Math.min(...warmRounds);
    const directWarmCpu = warmCpu[warmRounds.indexOf(directWarm)];
    console.log(`controller CPU per warm round: ${warmCpu.map((c) => c.toFixed(3)).join(", ")} s`);
    await direct.close();

    const tree = new TreeRunner(new SshRunner(policy));
    const treeCold = await timed("g5k-flow tree cold", () => remote(cmd, hosts, tree).run(), allOk(hosts));
    const treeWarm = await timed("g5k-flow tree warm (relays pooled)", () => remote(cmd, hosts, tree).run(), allOk(hosts));

    const plainSsh = await timed("parallel plain ssh", () => Promise.all(hosts.map((h) => execa("ssh", [...sshArgs(h), "hostname"], { reject: false }))),
      (rs) => rs.every((r, i) => r.stdout === hosts[i].name));

    const file = join(dir, "image.bin");
    await writeSeededFile(file, MIB, 1);
    const targets = hosts.slice(0, BROADCAST_HOSTS);
    const bcast = await timed(`g5k-flow broadcast ${MIB} MB to ${BROADCAST_HOSTS}`, () => broadcastFile(tree, file, targets, `${dir}/{{host}}.img`),
      (r) => r.ok === BROADCAST_HOSTS && r.skipped.length === 0);
    const scp = await timed(`sequential scp ${MIB} MB to ${BROADCAST_HOSTS}`, async () => {
      const codes: number[] = [];
      for (const h of targets) {
        const r = await execa("scp", ["-q", ...SSH_OPTS.flatMap((o) => ["-o", o]), "-i", pool.keyFile, file, `root@${h.address}:${dir}/scp-${h.name}.img`], { reject: false });
        codes.push(r.exitCode ?? -1);
      }
      return codes;
    }, (codes) => codes.every((c) => c === 0));
    await tree.close();

    // direct against tree on 200 hosts (fresh runners: cold, then warm)
    const all = pool.hosts;
    const d2 = new SshRunner(policy);
    const directCold200 = await timed(`g5k-flow direct cold, ${all.length} hosts`, () => remote(cmd, all, d2).run(), allOk(all));
    const directWarm200 = await timed(`g5k-flow direct warm, ${all.length} hosts`, () => remote(cmd, all, d2).run(), allOk(all));
    await d2.close();
    // the tree's hosts that fail here are counted, not fatal: a loaded machine makes relays miss their connect timeouts
    const t2 = new TreeRunner(new SshRunner(policy));
    let treeFailed200 = 0;
    const counted = (r: ActionReport) => ((treeFailed200 += r.started - r.ok), true);
    const treeCold200 = await timed(`g5k-flow tree cold, ${all.length} hosts`, () => remote(cmd, all, t2).run(), counted);
    const treeWarm200 = await timed(`g5k-flow tree warm, ${all.length} hosts`, () => remote(cmd, all, t2).run(), counted);
    await t2.close();
    const at200 = { directColdS: directCold200, directWarmS: directWarm200, treeColdS: treeCold200, treeWarmS: treeWarm200, treeFailed: treeFailed200 };

    const bestBaseline = Math.min(taktuk, clush);
    const figures = {
      bench: "fanout",
      hosts: HOSTS,
      directColdS: directCold, directWarmS: directWarm, directWarmControllerCpuS: directWarmCpu, treeColdS: treeCold, treeWarmS: treeWarm,
      taktukS: taktuk, clushS: clush, plainSshS: plainSsh,
      coldRatioVsBest: directCold / bestBaseline,
      coldRounds: COLD_ROUNDS, machineCpuMsPerHost: machineMs, directColdRoundsS: cold.direct, connectOnlyRoundsS: cold.connect, taktukRoundsS: cold.taktuk, clushRoundsS: cold.clush,
      connectOnlyS: Math.min(...cold.connect), connectOnlyRatioVsBest: Math.min(...cold.connect) / bestBaseline,
      coldRatioOfMedians: median(cold.direct) / Math.min(median(cold.taktuk), median(cold.clush)),
      treeColdRatioVsBest: treeCold / bestBaseline,
      coldTargetMet: directCold <= 0.4 * bestBaseline,
      warmTargetMet: directWarm < 0.3,
      hosts200: ALL_HOSTS, direct200ColdS: at200.directColdS, direct200WarmS: at200.directWarmS, tree200ColdS: at200.treeColdS, tree200WarmS: at200.treeWarmS, tree200FailedHosts: at200.treeFailed,
      broadcastHosts: BROADCAST_HOSTS, broadcastMiB: MIB, broadcastS: bcast, sequentialScpS: scp, broadcastRatioVsScp: bcast / scp,
    };
    console.log(`cold: direct/best(taktuk,clush) = ${figures.coldRatioVsBest.toFixed(2)} (target <= 0.4), tree = ${figures.treeColdRatioVsBest.toFixed(2)}; the connections alone = ${figures.connectOnlyRatioVsBest.toFixed(2)}`);
    console.log(`warm: direct ${directWarm.toFixed(3)} s for ${HOSTS} hosts (target < 0.3 s)`);
    console.log(`200 hosts: direct cold ${at200.directColdS.toFixed(3)} s, warm ${at200.directWarmS.toFixed(3)} s; tree cold ${at200.treeColdS.toFixed(3)} s, warm ${at200.treeWarmS.toFixed(3)} s`);
    console.log(`broadcast/scp = ${figures.broadcastRatioVsScp.toFixed(2)}`);
    console.log(JSON.stringify(figures));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await pool.destroy();
    registered();
  }
}

await main();
