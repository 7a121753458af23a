import { among } from "./among.ts";
import { ban } from "./ban.ts";
import type { ConstraintKind } from "./constraint.ts";
import { fence } from "./fence.ts";
import { gather } from "./gather.ts";
import { killed } from "./killed.ts";
import { lonely } from "./lonely.ts";
import { maxOnline } from "./max-online.ts";
import { offline } from "./offline.ts";
import { online } from "./online.ts";
import { overbook } from "./overbook.ts";
import { preserve } from "./preserve.ts";
import { quarantine } from "./quarantine.ts";
import { ready } from "./ready.ts";
import { resourceCapacity } from "./resource-capacity.ts";
import { root } from "./root.ts";
import { running } from "./running.ts";
import { runningCapacity } from "./running-capacity.ts";
import { split } from "./split.ts";
import { spread } from "./spread.ts";

/** The supported constraints, by BtrPlace JSON id. */
export const catalogue: ReadonlyMap<string, ConstraintKind> = new Map(
  [
    among, ban, fence, gather, killed, lonely, maxOnline, offline, online, overbook, preserve, quarantine, ready,
    resourceCapacity, root, running, runningCapacity, split, spread,
  ].map((k) => [k.id, k]),
);
