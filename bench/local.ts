/**
 * bench:local — the local real testbed against a plain script doing the
 * same with virsh in a loop (bench/local-plain.sh): deploy 4 nodes, boot 8
 * guests, median live-migration time and downtime of a 256 MiB guest idle
 * and under stress-ng. Ratios = engine / plain. Last line: one JSON object.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { median } from "../engine/index.ts";
import { localTestbed, setupLocalTestbed, type LocalTestbed } from "../plugins/local/index.ts";
import { domainXml } from "../plugins/libvirt/vms/domain-xml.ts";
import { stressArgs } from "../plugins/libvirt/load/injector.ts";
import { SubnetAllocator } from "../plugins/libvirt/vms/subnet.ts";
import { param } from "../engine/dsl/params.ts";
import { recordingContext } from "../test/local/step-context.ts";
import { benchArgs } from "./args.ts";
import { cleanupOnInterrupt } from "./interrupt.ts";

const REPS = benchArgs({
  name: "local",
  description: "The local testbed against a plain virsh script (bench/local-plain.sh): deploy 4 nodes, boot 8 guests, live migrations of a 256 MiB guest idle and under stress-ng. Needs root. Last line: one JSON object.",
  flags: { reps: param.int(5, "migrations per case (median taken)", { min: 1 }) },
  env: { reps: "BENCH_REPS" },
}).reps;
const PLAIN = join(import.meta.dirname, "local-plain.sh");
const seconds = (t0: number): number => (Date.now() - t0) / 1000;

const setup = await setupLocalTestbed();
const env = { GUEST_KEY: setup.image.keyFile };
const plain = async (...args: string[]): Promise<string> => (await execa(PLAIN, args, { env })).stdout.trim();
const dir = mkdtempSync(join(tmpdir(), "bench-local-"));
const tb = localTestbed.create({ seed: 1, options: {}, archiveDir: dir, log: console.log }) as LocalTestbed;
const ctx = recordingContext("bench", 1);
const registered = cleanupOnInterrupt("local", () => tb.release());

interface Moves { time: number; downtime: number; failed: number }
const med = (xs: number[]): number => median(xs) ?? Number.NaN;
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const summarise = (d: Array<[number, number] | null>): Moves => {
  const ok = d.filter((x): x is [number, number] => x !== null);
  return { time: round(med(ok.map((x) => x[0])), 3), downtime: round(med(ok.map((x) => x[1])), 4), failed: d.length - ok.length };
};

try {
  let t0 = Date.now();
  const nodes = await tb.deploy(await tb.reserve({ nodes: 4 }, ctx), {}, ctx);
  const deployEngine = seconds(t0);
  t0 = Date.now();
  const vms = await tb.bootVms(nodes, { perNode: 2, memoryMiB: 256 }, ctx);
  const bootEngine = seconds(t0);
  console.log(`engine: deploy 4 nodes ${deployEngine.toFixed(2)} s, boot ${vms.length} guests ${bootEngine.toFixed(2)} s`);

  const vm = vms[0];
  // The guest goes back and forth between the first two nodes; `at` is where it is now.
  let at = 0;
  const engineMoves = async (): Promise<Moves> => {
    const out: Array<[number, number] | null> = [];
    for (let i = 0; i < REPS; i++) {
      const m = await tb.migrate(vm.name, nodes[1 - at].name, ctx);
      if (m.outcome === "ok") at = 1 - at;
      if (m.outcome !== "ok") console.log(`engine: migration ${i} ${m.outcome}: ${m.reason ?? ""}`);
      out.push(m.outcome === "ok" ? [m.end - m.start, m.downtime] : null);
    }
    return summarise(out);
  };
  const engineIdle = await engineMoves();
  await tb.stress([vm], { kind: "constant", load: 1, dirtyIntensity: 0.5 }, ctx);
  const engineStress = await engineMoves();
  await tb.stress([vm], { kind: "constant", load: 0 }, ctx);
  console.log(`engine: migration idle ${JSON.stringify(engineIdle)}, under stress ${JSON.stringify(engineStress)}`);

  // The plain script on the same nodes, with the engine's guests gone.
  for (const v of vms) for (const n of nodes) await execa("ip", ["netns", "exec", n.name, "virsh", "-q", "-c", "qemu+tcp://127.0.0.1:16509/system", "destroy", v.name], { reject: false });
  const slot = Number(nodes[0].name.slice(2, 3));
  const addresses = new SubnetAllocator(slot, nodes.length);
  for (let i = 0; i < vms.length; i++) addresses.allocate(); // the engine's range
  const specs = Array.from({ length: 8 }, (_, i) => {
    const a = addresses.allocate();
    const name = `plain-${i}`;
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, domainXml({ name, vcpus: 1, memoryMiB: 256, mac: a.mac, address: `${a.ip}/22`, kernel: setup.image.kernel, initrd: setup.image.initrd, accel: setup.accel.accel, consoleLog: `/var/log/libvirt/qemu/${name}-console.log` }));
    return { name, node: nodes[i % nodes.length], ip: a.ip, file };
  });
  const bootPlain = Number(await plain("boot", ...specs.map((s) => `${s.node.name}:${s.file}`)));
  const p0 = specs[0];
  at = 0;
  const plainMoves = async (): Promise<Moves> => {
    const out: Array<[number, number] | null> = [];
    for (let i = 0; i < REPS; i++) {
      const [src, dst] = [nodes[at], nodes[1 - at]];
      const r = await execa(PLAIN, ["migrate", p0.name, src.name, dst.address, dst.name], { env, reject: false });
      if (r.exitCode === 0) at = 1 - at;
      const [total, down] = r.stdout.trim().split(" ").map(Number);
      if (r.exitCode !== 0) console.log(`plain: migration ${i} failed: ${r.stderr.trim().split("\n").pop()}`);
      out.push(r.exitCode === 0 ? [total, down] : null);
    }
    return summarise(out);
  };
  const sshP0 = (argv: string[]) => execa("ip", ["netns", "exec", nodes[0].name, "ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", setup.image.keyFile, `root@${p0.ip}`, ...argv]);
  const plainIdle = await plainMoves();
  await sshP0(["/bin/g5k-load", "start", ...stressArgs(1, 1, 256, 0.5)]);
  const plainStress = await plainMoves();
  console.log(`plain: boot 8 guests ${bootPlain.toFixed(2)} s, migration idle ${JSON.stringify(plainIdle)}, under stress ${JSON.stringify(plainStress)}`);
  await tb.release();
  const deployPlain = Number(await plain("deploy", "4"));
  console.log(`plain: deploy 4 nodes ${deployPlain.toFixed(2)} s`);

  const pair = (engine: number, base: number) => ({ engine: round(engine, 3), plain: round(base, 3), ratio: round(engine / base, 2) });
  const figures = {
    bench: "local",
    accel: setup.accel.accel,
    reps: REPS,
    deploy4Nodes: pair(deployEngine, deployPlain),
    boot8Guests: pair(bootEngine, bootPlain),
    migrationIdle256MiB: { time: pair(engineIdle.time, plainIdle.time), downtime: pair(engineIdle.downtime, plainIdle.downtime), failed: engineIdle.failed + plainIdle.failed },
    migrationStress256MiB: { time: pair(engineStress.time, plainStress.time), downtime: pair(engineStress.downtime, plainStress.downtime), failed: engineStress.failed + plainStress.failed },
  };
  console.log(JSON.stringify(figures));
} finally {
  await tb.release();
  registered();
}
