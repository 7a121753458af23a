import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { guestCachePrefix } from "../libvirt/index.ts";
import { destroyPool, findProcesses, killAll, listLeftovers, type Leftovers, type ProcessEntry } from "./netns/index.ts";
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

/**
 * libvirtds started for local nodes (their pid file is in our state tree) and
 * qemus running our guest kernel, except those of runs still alive.
 */
async function ourDaemons(live: ReadonlySet<string>): Promise<{ libvirtd: number[]; qemu: number[] }> {
  const images = guestCachePrefix(); // guest-<recipe>/vmlinux, of any recipe
  const runOf = (p: ProcessEntry): string | null => p.netns?.split("-")[0] ?? null;
  const keep = (p: ProcessEntry): boolean => !live.has(runOf(p) ?? "");
  const libvirtd = await findProcesses((a) => a[0]?.endsWith("libvirtd") === true && a.some((x) => x.startsWith(`${LOCAL_STATE}/`)));
  const qemu = await findProcesses((a) => a[0]?.includes("qemu-system") === true && a.some((x) => x.startsWith(images)));
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

/**
 * `g5k-flow testbed down local`: everything local runs left behind (crashed
 * or interrupted ones): qemu, libvirtd, sshd, namespaces, bridges, state,
 * reservations of dead runs. Runs still alive keep theirs. Returns what was found.
 */
export async function teardownLocalTestbed(log: (message: string) => void = () => undefined): Promise<LocalLeftovers> {
  const found = await listLocalLeftovers();
  const daemons = [...found.qemu, ...found.libvirtd];
  if (daemons.length > 0) log(`stopping ${found.qemu.length} qemu and ${found.libvirtd.length} libvirtd`);
  await killAll(daemons, 2000);
  for (const prefix of Object.keys(found.pools)) {
    log(`removing the nodes of ${prefix}`);
    await destroyPool(prefix);
  }
  for (const dir of found.stateDirs) await rm(dir, { recursive: true, force: true });
  await dropDeadReservations();
  return found;
}
