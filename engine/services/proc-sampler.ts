import { setMaxListeners } from "node:events";
import type { Host } from "../hosts.ts";
import { round } from "../metrics/stats.ts";
import { remote, type ProcessRunner } from "../process/index.ts";
import type { HostResult } from "../process/types.ts";
import type { MetricRow } from "../scheduler.ts";
import type { Seconds } from "../cluster.ts";

/** What the /proc samplers gathered: rows per host and interval, their own CPU cost, the hosts where none ran. */
export interface ProcRows {
  readonly rows: readonly MetricRow[];
  /** CPU the samplers used, in % of one core, averaged over the hosts. */
  readonly overheadPct: number;
  readonly failed: readonly string[];
}

export interface ProcSampling {
  /** Stops the samplers and parses their output. */
  stop(): Promise<ProcRows>;
}

/*
 * The sampler: POSIX sh builtins only, so a sample costs one fork (sleep).
 * It prints /proc/uptime, the aggregate cpu line, MemTotal/MemAvailable and
 * every interface's counters, then sleeps $1 s; on TERM it reports its own
 * and its children's CPU time (times) on stderr. Works on nodes and guests
 * (busybox sh) alike; the period arrives as a positional parameter.
 */
const SAMPLER = [
  "trap 'times >&2; exit 0' TERM",
  "while :; do",
  "  read up rest < /proc/uptime; echo \"T $up\"",
  "  while read -r l; do case $l in 'cpu '*) echo \"C $l\";; esac; done < /proc/stat",
  "  while read -r k v rest; do case $k in MemTotal:|MemAvailable:) echo \"M $k $v\";; esac; done < /proc/meminfo",
  "  while read -r l; do case $l in *:*) echo \"N $l\";; esac; done < /proc/net/dev",
  "  sleep \"$1\" & wait $!",
  "done",
].join("\n");

/** Starts one /proc sampler per host on `runner`; they run until stop(). */
export function startProcSampler(runner: ProcessRunner, hosts: readonly Host[], period: Seconds): ProcSampling {
  const stopper = new AbortController();
  // every host's sampler listens for the stop on this one signal
  setMaxListeners(0, stopper.signal);
  const started = Date.now();
  const running = remote({ argv: ["sh", "-c", SAMPLER, "g5k-flow-monitor", String(period)], killAfter: 2 }, hosts, runner).run(stopper.signal);
  return {
    async stop() {
      stopper.abort();
      const report = await running;
      return procRows(report.results, started, Date.now());
    },
  };
}

interface Sample {
  readonly up: number;
  readonly busy: number;
  readonly total: number;
  readonly memUsedKiB: number;
  readonly rx: number;
  readonly tx: number;
}

/** Parses each host's samples into per-interval rows; a host with no sample counts as failed. */
export function procRows(results: readonly HostResult[], startMs: number, endMs: number): ProcRows {
  const rows: MetricRow[] = [];
  const failed: string[] = [];
  const overheads: number[] = [];
  for (const r of results) {
    const samples = parseSamples(r.stdout);
    if (samples.length < 2) {
      failed.push(r.host);
      continue;
    }
    const offset = (r.start - startMs) / 1000;
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1], samples[i]];
      const dt = b.up - a.up;
      if (!(dt > 0)) continue;
      rows.push({
        host: r.host,
        t: round(offset + b.up - samples[0].up),
        cpuPct: round(b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0),
        memUsedMiB: round(b.memUsedKiB / 1024),
        rxKBps: round((b.rx - a.rx) / 1024 / dt),
        txKBps: round((b.tx - a.tx) / 1024 / dt),
      });
    }
    const cpu = [...r.stderr.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
    overheads.push((100 * cpu) / Math.max(0.001, (endMs - r.start) / 1000));
  }
  const overheadPct = overheads.length ? round(overheads.reduce((s, x) => s + x, 0) / overheads.length) : 0;
  return { rows, overheadPct, failed };
}

function parseSamples(stdout: string): Sample[] {
  const out: Sample[] = [];
  let cur: { up?: number; busy?: number; total?: number; memTotal?: number; memAvail?: number; rx: number; tx: number } | null = null;
  const push = () => {
    if (cur && cur.up !== undefined && cur.total !== undefined && cur.memTotal !== undefined && cur.memAvail !== undefined) {
      out.push({ up: cur.up, busy: cur.busy ?? 0, total: cur.total, memUsedKiB: cur.memTotal - cur.memAvail, rx: cur.rx, tx: cur.tx });
    }
  };
  for (const line of stdout.split("\n")) {
    const [tag, ...rest] = line.trim().split(/\s+/);
    if (tag === "T") {
      push();
      cur = { up: Number(rest[0]), rx: 0, tx: 0 };
    } else if (!cur) {
      continue;
    } else if (tag === "C") {
      // cpu user nice system idle iowait irq softirq steal ...
      const v = rest.slice(1, 9).map(Number);
      cur.total = v.reduce((s, x) => s + x, 0);
      cur.busy = cur.total - v[3] - (v[4] ?? 0);
    } else if (tag === "M") {
      if (rest[0] === "MemTotal:") cur.memTotal = Number(rest[1]);
      else cur.memAvail = Number(rest[1]);
    } else if (tag === "N") {
      const [iface, counters] = line.slice(line.indexOf("N") + 1).split(":");
      if (iface.trim() === "lo" || counters === undefined) continue;
      const f = counters.trim().split(/\s+/).map(Number);
      cur.rx += f[0] ?? 0;
      cur.tx += f[8] ?? 0;
    }
  }
  push();
  return out;
}
