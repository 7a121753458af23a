import { existsSync } from "node:fs";
import { sh } from "./run.ts";
import { poolNames } from "./names.ts";
import { processesMentioning } from "./procs.ts";
import { subnetsOf } from "./subnet.ts";

export interface Leftovers {
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
  readonly processes: readonly { readonly pid: number; readonly cmdline: string }[];
  readonly stateDir: boolean;
  readonly subnets: readonly number[];
}

export function isClean(l: Leftovers): boolean {
  return l.namespaces.length + l.links.length + l.processes.length + l.subnets.length === 0 && !l.stateDir;
}

/** Everything a pool with this prefix may have left: namespaces, links, processes, state, subnet claims. */
export async function listLeftovers(prefix: string): Promise<Leftovers> {
  const names = poolNames(prefix);
  const mine = (n: string): boolean => n.startsWith(`${prefix}-`);
  const namespaces = (await sh("ip", ["netns", "list"]))
    .split("\n").map((l) => l.split(" ")[0]).filter((n) => n && mine(n));
  const links = (await sh("ip", ["-o", "link", "show"]))
    .split("\n").map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "").filter(mine);
  return {
    namespaces,
    links,
    processes: await processesMentioning(names.stateDir + "/"),
    stateDir: existsSync(names.stateDir),
    subnets: await subnetsOf(prefix),
  };
}
