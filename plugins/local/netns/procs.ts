import { existsSync } from "node:fs";
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** A process found in /proc. */
export interface ProcessEntry {
  readonly pid: number;
  readonly argv: readonly string[];
  /** Name of its network namespace when it is one of `ip netns`'s, else null. */
  readonly netns: string | null;
}

/** Names of `ip netns`'s namespaces, by inode (what /proc/PID/ns/net points at). */
async function namespacesByInode(): Promise<Map<string, string>> {
  const byInode = new Map<string, string>();
  for (const name of existsSync("/run/netns") ? await readdir("/run/netns") : []) {
    const st = await stat(`/run/netns/${name}`).catch(() => null);
    if (st) byInode.set(String(st.ino), name);
  }
  return byInode;
}

/** The processes whose argv `match` accepts (those gone while read are skipped). */
export async function findProcesses(match: (argv: readonly string[]) => boolean): Promise<ProcessEntry[]> {
  const byInode = await namespacesByInode();
  const out: ProcessEntry[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!match(argv)) continue;
    const ns = /\[(\d+)\]/.exec(await readlink(`/proc/${entry}/ns/net`).catch(() => ""))?.[1];
    out.push({ pid: Number(entry), argv, netns: (ns && byInode.get(ns)) ?? null });
  }
  return out;
}

/** Processes whose command line names `needle` (a pool's state dir: its sshds). */
export async function processesMentioning(needle: string): Promise<{ pid: number; cmdline: string }[]> {
  const cmdline = (argv: readonly string[]): string => argv.join(" ");
  const found = await findProcesses((argv) => cmdline(argv).includes(needle));
  return found.map((p) => ({ pid: p.pid, cmdline: cmdline(p.argv).trim() }));
}

/** SIGTERM, then SIGKILL to those still running after `graceMs`. */
export async function killAll(pids: readonly number[], graceMs = 1000): Promise<void> {
  const send = (sig: NodeJS.Signals | 0): number[] => pids.filter((p) => {
    try { process.kill(p, sig); return true; } catch { return false; }
  });
  if (send("SIGTERM").length === 0) return;
  for (let waited = 0; waited < graceMs; waited += 20) {
    if (send(0).length === 0) return;
    await sleep(20);
  }
  send("SIGKILL");
}
