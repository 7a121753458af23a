import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { UsageError } from "../../engine/errors.ts";

/** Bookkeeping of the local pool: which runs hold how many nodes. tmpfs, so a reboot frees everything. */
export const LOCAL_STATE = "/run/g5k-flow/local";
const LEDGER = `${LOCAL_STATE}/reservations.json`;
const LOCK = `${LOCAL_STATE}/reservations.lock`;
/** Up to this many runs at once, prefixes lf0..lf9 (namespaces, links and files of a run carry its prefix). */
const SLOTS = 10;

export interface Reservation {
  readonly prefix: string;
  readonly pid: number;
  readonly nodes: number;
}

/** True while process `pid` exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** O_EXCL lock file holding the owner's pid; a lock whose owner died is broken. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(LOCAL_STATE, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      const fh = await open(LOCK, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch {
      const owner = Number(await readFile(LOCK, "utf8").catch(() => "0"));
      if (owner > 0 && !alive(owner)) await rm(LOCK, { force: true });
      else if (i > 1000) throw new Error(`local pool lock ${LOCK} held by pid ${owner}`);
      else await sleep(10);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { force: true });
  }
}

async function readLedger(): Promise<Reservation[]> {
  const all = JSON.parse(await readFile(LEDGER, "utf8").catch(() => "[]")) as Reservation[];
  return all.filter((r) => alive(r.pid));
}

/** Reservations of runs still alive: their nodes are not leftovers. */
export async function liveReservations(): Promise<Reservation[]> {
  return readLedger();
}

/** Forgets the reservations of runs that died (after their leftovers were removed). */
export async function dropDeadReservations(): Promise<void> {
  await withLock(async () => {
    await writeFile(LEDGER, JSON.stringify(await readLedger(), null, 2));
  });
}

/** Takes `nodes` nodes of a pool of `capacity`, safe against concurrent runs. */
export async function reserveNodes(nodes: number, capacity: number): Promise<Reservation> {
  if (!Number.isInteger(nodes) || nodes < 1) throw new UsageError(`local testbed: nodes must be a positive integer, got ${nodes}`);
  if (nodes > capacity) throw new UsageError(`local testbed: ${nodes} nodes asked, the local pool has ${capacity} (testbed option poolSize)`);
  return withLock(async () => {
    const held = await readLedger();
    const used = held.reduce((s, r) => s + r.nodes, 0);
    if (used + nodes > capacity) {
      throw new UsageError(`local testbed: ${nodes} nodes asked, ${capacity - used} of ${capacity} free (held by pids ${held.map((r) => r.pid).join(", ")})`);
    }
    const taken = new Set(held.map((r) => r.prefix));
    const prefix = Array.from({ length: SLOTS }, (_, i) => `lf${i}`).find((p) => !taken.has(p));
    if (!prefix) throw new UsageError(`local testbed: ${SLOTS} runs already hold local nodes`);
    const mine: Reservation = { prefix, pid: process.pid, nodes };
    await writeFile(LEDGER, JSON.stringify([...held, mine], null, 2));
    return mine;
  });
}

export async function releaseReservation(prefix: string): Promise<void> {
  await withLock(async () => {
    const all = JSON.parse(await readFile(LEDGER, "utf8").catch(() => "[]")) as Reservation[];
    await writeFile(LEDGER, JSON.stringify(all.filter((r) => r.prefix !== prefix), null, 2));
  });
}
