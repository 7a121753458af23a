import { existsSync } from "node:fs";
import { readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { cacheRoot } from "./guest/build.ts";
import { createHostPool, listLeftovers, type Leftovers } from "./netns/index.ts";
import { dropDeadReservations, LOCAL_STATE, liveReservations } from "./reservations.ts";

/** Run prefixes the local testbed hands out (see reservations.ts). */
const PREFIXES = Array.from({ length: 10 }, (_, i) => `lf${i}`);

export interface LocalLeftovers {
  /** Per run prefix: namespaces, links (bridges, veths), sshds, state, subnet claims. */
  readonly pools: Readonly<Record<string, Leftovers>>;
  readonly libvirtd: readonly number[];
  readonly qemu: readonly number[];
  readonly stateDirs: readonly string[];
}

interface Proc {
  readonly pid: number;
  readonly argv: string[];
  /** Name of its network namespace when it is one of `ip netns`'s. */
  readonly netns: string | null;
}

async function processes(match: (argv: string[]) => boolean): Promise<Proc[]> {
  const byInode = new Map<string, string>();
  for (const name of existsSync("/run/netns") ? await readdir("/run/netns") : []) {
    const st = await stat(`/run/netns/${name}`).catch(() => null);
    if (st) byInode.set(String(st.ino), name);
  }
  const out: Proc[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!match(argv)) continue;
    const ns = /\[(\d+)\]/.exec(await readlink(`/proc/${entry}/ns/net`).catch(() => ""))?.[1];
    out.push({ pid: Number(entry), argv, netns: (ns && byInode.get(ns)) ?? null });
  }
  return out;
}

/**
 * libvirtds started for local nodes (their pid file is in our state tree) and
 * qemus running our guest kernel, except those of runs still alive.
 */
async function ourDaemons(live: ReadonlySet<string>): Promise<{ libvirtd: number[]; qemu: number[] }> {
  const kernel = join(cacheRoot(), "guest", "vmlinux");
  const runOf = (p: Proc): string | null => p.netns?.split("-")[0] ?? null;
  const keep = (p: Proc): boolean => !live.has(runOf(p) ?? "");
  const libvirtd = await processes((a) => a[0]?.endsWith("libvirtd") === true && a.some((x) => x.startsWith(`${LOCAL_STATE}/`)));
  const qemu = await processes((a) => a[0]?.includes("qemu-system") === true && a.includes(kernel));
  return { libvirtd: libvirtd.filter(keep).map((p) => p.pid), qemu: qemu.filter(keep).map((p) => p.pid) };
}

/** What local runs left behind; resources of runs still alive (`except`, by default the live reservations) are not leftovers. */
export async function listLocalLeftovers(except?: ReadonlySet<string>): Promise<LocalLeftovers> {
  const live = except ?? new Set((await liveReservations()).map((r) => r.prefix));
  const pools: Record<string, Leftovers> = {};
  for (const p of PREFIXES.filter((x) => !live.has(x))) {
    const l = await listLeftovers(p);
    if (l.namespaces.length + l.links.length + l.processes.length + l.subnets.length > 0 || l.stateDir) pools[p] = l;
  }
  const stateDirs = existsSync(LOCAL_STATE) ? (await readdir(LOCAL_STATE)).filter((d) => PREFIXES.includes(d) && !live.has(d)).map((d) => `${LOCAL_STATE}/${d}`) : [];
  return { pools, ...(await ourDaemons(live)), stateDirs };
}

export function isLocalClean(l: LocalLeftovers): boolean {
  return Object.keys(l.pools).length === 0 && l.libvirtd.length === 0 && l.qemu.length === 0 && l.stateDirs.length === 0;
}

async function kill(pids: readonly number[]): Promise<void> {
  const send = (sig: NodeJS.Signals | 0): number[] => pids.filter((p) => {
    try { process.kill(p, sig); return true; } catch { return false; }
  });
  send("SIGTERM");
  for (let i = 0; i < 100 && send(0).length > 0; i++) await sleep(20);
  send("SIGKILL");
}

/**
 * `g5k-flow testbed down local`: everything local runs left behind (crashed
 * or interrupted ones): qemu, libvirtd, sshd, namespaces, bridges, state,
 * reservations of dead runs. Runs still alive keep theirs. Returns what was found.
 */
export async function teardownLocalTestbed(log: (message: string) => void = () => undefined): Promise<LocalLeftovers> {
  const found = await listLocalLeftovers();
  const daemons = [...found.qemu, ...found.libvirtd];
  if (daemons.length > 0) log(`stopping ${found.qemu.length} qemu and ${found.libvirtd.length} libvirtd`);
  await kill(daemons);
  for (const prefix of Object.keys(found.pools)) {
    log(`removing the nodes of ${prefix}`);
    // The host-pool's own clean-up runs first inside createHostPool (it clears a crashed pool of that prefix).
    await (await createHostPool({ count: 1, prefix })).destroy();
  }
  for (const dir of found.stateDirs) await rm(dir, { recursive: true, force: true });
  await dropDeadReservations();
  return found;
}
