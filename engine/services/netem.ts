import { isIPv4 } from "node:net";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { lookup } from "node:dns/promises";
import type { Host } from "../hosts.ts";
import { UsageError } from "../errors.ts";
import type { ProcessRunner } from "../process/index.ts";
import type { HostResult } from "../process/types.ts";

/** Emulated link between two groups: each direction delayed by `delayMs` (RTT += 2 x delayMs), with optional loss and rate. */
export interface NetemRule {
  readonly between: readonly [readonly Host[], readonly Host[]];
  readonly delayMs: number;
  readonly lossPct?: number;
  readonly rateMbit?: number;
}

export interface NetemOptions {
  /** Allowed relative gap between the measured and the requested RTT (default 0.1). */
  readonly tolerance?: number;
  /** Echo requests per check (default 5). */
  readonly probes?: number;
}

export interface RttCheck {
  readonly from: string;
  readonly to: string;
  readonly requestedMs: number;
  readonly measuredMs: number;
}

export interface NetemReport {
  readonly hosts: number;
  /** tc netem, or the user-space delayer on kernels without sch_netem. */
  readonly method: "tc" | "delayer";
  readonly checks: readonly RttCheck[];
}

/** Applied rules, removable: the devices that got a root qdisc, by host. */
export interface Netem {
  readonly report: NetemReport;
  remove(): Promise<void>;
}

/** The user-space netem (delayer.py), for hosts whose kernel has no sch_netem; started as `python3 DELAYER_PROGRAM <json>`. */
export const DELAYER_PROGRAM = fileURLToPath(new URL("./delayer.py", import.meta.url));
const DELAYER_DEV = "gfdelay0";

/** One host's emulated destinations: peer address -> rule index. */
type Plan = Map<string, { host: Host; peers: Map<string, number> }>;

function checkRule(r: NetemRule): void {
  if (!(r.delayMs >= 0 && r.delayMs <= 60_000)) throw new UsageError(`netem: delayMs must be in 0..60000, got ${r.delayMs}`);
  if (r.lossPct !== undefined && !(r.lossPct >= 0 && r.lossPct <= 100)) throw new UsageError(`netem: lossPct must be in 0..100, got ${r.lossPct}`);
  if (r.rateMbit !== undefined && !(r.rateMbit > 0)) throw new UsageError(`netem: rateMbit must be positive, got ${r.rateMbit}`);
  if (r.between[0].length === 0 || r.between[1].length === 0) throw new UsageError("netem: both groups of a rule need hosts");
}

async function ipv4(host: Host): Promise<string> {
  if (isIPv4(host.address)) return host.address;
  return (await lookup(host.address, { family: 4 }).catch(() => {
    throw new UsageError(`netem: host ${host.name} has no IPv4 address (${host.address})`);
  })).address;
}

/**
 * Applies the rules with tc (htb classes, one netem qdisc per rule, u32
 * filters on the peers' addresses; commands as argument arrays and a tc
 * batch on stdin, made only of checked numbers and addresses), then checks
 * each rule's RTT with ping from its first host of each side to the other's.
 */
export async function applyNetem(runner: ProcessRunner, rules: readonly NetemRule[], options: NetemOptions = {}, signal?: AbortSignal, delayer?: readonly string[]): Promise<Netem> {
  rules.forEach(checkRule);
  const tolerance = options.tolerance ?? 0.1;
  const probes = options.probes ?? 5;
  const plan: Plan = new Map();
  for (const [k, rule] of rules.entries()) {
    for (const [side, other] of [[rule.between[0], rule.between[1]], [rule.between[1], rule.between[0]]] as const) {
      for (const h of side) {
        const entry = plan.get(h.name) ?? { host: h, peers: new Map<string, number>() };
        plan.set(h.name, entry);
        for (const peer of other) entry.peers.set(await ipv4(peer), k);
      }
    }
  }
  const routes = new Map<string, { host: Host; dev: string; address: string }>();
  /** Hosts given a root qdisc, to remove. */
  const devices = new Map<string, { host: Host; dev: string }>();
  const delayers: { stop: AbortController; done: Promise<HostResult> }[] = [];
  const remove = async () => {
    for (const d of delayers) d.stop.abort();
    await Promise.all(delayers.map((d) => d.done));
    delayers.length = 0;
    await Promise.all([...devices.values()].map(({ host, dev }) => runner.exec(host, 0, { argv: ["tc", "qdisc", "del", "dev", dev, "root"], timeout: 20, expectedExit: [0, 1, 2] })));
    devices.clear();
  };
  try {
    await Promise.all([...plan.values()].map(async ({ host, peers }) => {
      const first = peers.keys().next().value as string;
      const route = must(await runner.exec(host, 0, { argv: ["ip", "-o", "route", "get", first], timeout: 20 }, signal), "ip route get");
      const dev = /\bdev (\S+)/.exec(route.stdout)?.[1]?.split("@")[0];
      const address = /\bsrc (\S+)/.exec(route.stdout)?.[1];
      if (!dev || !/^[A-Za-z0-9_.-]+$/.test(dev) || !address || !isIPv4(address)) throw new Error(`netem: no device towards ${first} on ${host.name}: ${route.stdout.trim()}`);
      routes.set(host.name, { host, dev, address });
    }));
    // tc netem where the kernel has it; else the user-space delayer, where the testbed ships it
    const probe = [...plan.values()][0];
    const routeOf = (h: Host) => routes.get(h.name)!;
    devices.set(probe.host.name, routeOf(probe.host)); // a failed batch may have left its first lines
    const tc = await runner.exec(probe.host, 0, { argv: ["tc", "-batch", "-"], stdin: tcBatch(routeOf(probe.host).dev, rules, probe.peers), timeout: 20 }, signal);
    const noNetem = tc.status !== "ok" && /qdisc kind is unknown/.test(tc.stderr);
    if (tc.status !== "ok" && !(noNetem && delayer)) must(tc, "tc");
    if (noNetem && delayer) {
      await remove();
      await Promise.all([...plan.values()].map(({ host, peers }) => startDelayer(runner, host, routeOf(host), rules, peers, delayer, delayers, signal)));
    } else {
      await Promise.all([...plan.values()].filter((p) => p !== probe).map(async ({ host, peers }) => {
        devices.set(host.name, routeOf(host));
        must(await runner.exec(host, 0, { argv: ["tc", "-batch", "-"], stdin: tcBatch(routeOf(host).dev, rules, peers), timeout: 20 }, signal), "tc");
      }));
    }
    const checks: RttCheck[] = [];
    for (const rule of rules) {
      for (const [from, to] of [[rule.between[0][0], rule.between[1][0]]] as const) {
        const requestedMs = 2 * rule.delayMs;
        const measuredMs = await rtt(runner, from, await ipv4(to), probes, signal);
        checks.push({ from: from.name, to: to.name, requestedMs, measuredMs });
        if (Math.abs(measuredMs - requestedMs) > tolerance * Math.max(requestedMs, 1)) {
          throw new Error(`netem: RTT ${from.name} -> ${to.name} is ${measuredMs} ms, ${requestedMs} ms requested (tolerance ${tolerance * 100} %)`);
        }
      }
    }
    return { report: { hosts: plan.size, checks, method: delayers.length > 0 ? "delayer" : "tc" }, remove };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}

/** Starts the delayer on a host and waits until its routes are in place (or it died). */
async function startDelayer(runner: ProcessRunner, host: Host, route: { dev: string; address: string }, rules: readonly NetemRule[], peers: ReadonlyMap<string, number>, argv: readonly string[], into: { stop: AbortController; done: Promise<HostResult> }[], signal?: AbortSignal): Promise<void> {
  const byRule = rules.map((r, k) => ({ peers: [...peers].filter(([, i]) => i === k).map(([a]) => a), delayMs: r.delayMs, lossPct: r.lossPct ?? 0, rateMbit: r.rateMbit ?? 0 }));
  const spec = { dev: DELAYER_DEV, out: route.dev, src: route.address, rules: byRule.filter((r) => r.peers.length > 0), seed: 1 };
  const stop = new AbortController();
  let ended: HostResult | null = null;
  const done = runner.exec(host, 0, { argv: [...argv, JSON.stringify(spec)], killAfter: 2 }, stop.signal).then((r) => (ended = r));
  into.push({ stop, done });
  for (let i = 0; ; i++) {
    const r = await runner.exec(host, 0, { argv: ["ip", "-o", "route", "get", spec.rules[0].peers[0]], timeout: 20 }, signal);
    if (r.stdout.includes(`dev ${DELAYER_DEV} `)) return;
    if (ended !== null || i > 100) throw new Error(`netem: the delayer did not start on ${host.name}: ${(ended as HostResult | null)?.stderr.trim() ?? "no route after 10 s"}`);
    await sleep(100);
  }
}

function tcBatch(dev: string, rules: readonly NetemRule[], peers: ReadonlyMap<string, number>): string {
  const lines = [`qdisc replace dev ${dev} root handle 1: htb default 1`, `class add dev ${dev} parent 1: classid 1:1 htb rate 10gbit`];
  const used = [...new Set(peers.values())];
  for (const k of used) {
    const id = (k + 16).toString(16);
    const r = rules[k];
    lines.push(`class add dev ${dev} parent 1: classid 1:${id} htb rate 10gbit`);
    lines.push(`qdisc add dev ${dev} parent 1:${id} handle ${id}: netem delay ${r.delayMs}ms${r.lossPct ? ` loss ${r.lossPct}%` : ""}${r.rateMbit ? ` rate ${r.rateMbit}mbit` : ""}`);
  }
  for (const [addr, k] of peers) lines.push(`filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip dst ${addr}/32 flowid 1:${(k + 16).toString(16)}`);
  return lines.join("\n") + "\n";
}

/**
 * Median RTT in ms from `from` to `address`, by ping: the median, not the
 * mean, so one echo delayed by a busy machine does not move the check (the
 * echo requests lost to emulated loss are not counted).
 */
export async function rtt(runner: ProcessRunner, from: Host, address: string, probes = 5, signal?: AbortSignal): Promise<number> {
  const r = await runner.exec(from, 0, { argv: ["ping", "-n", "-c", String(probes), "-i", "0.2", "-W", "5", address], timeout: 30 + probes, expectedExit: [0, 1] }, signal);
  const times = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  if (times.length === 0) throw new Error(`ping ${address} from ${from.name}: no answer (${r.error ?? (r.stderr.trim() || r.status)})`);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

function must(r: HostResult, what: string): HostResult {
  if (r.status !== "ok") throw new Error(`netem: ${what} on ${r.host}: ${r.status} ${r.error ?? ""} ${r.stderr.trim()}`.trim());
  return r;
}
