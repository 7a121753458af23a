import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { Host } from "../../hosts.ts";
import type { Seconds } from "../../cluster.ts";
import { UsageError } from "../../errors.ts";
import type { ActionReport, HostResult } from "../types.ts";
import { ABORTED, noProcess, report } from "../result.ts";
import { deadline } from "../deadline.ts";
import { remote } from "../action.ts";
import { substitute } from "../substitute.ts";
import { buildForest, flatten, type TreeNode } from "../tree/plan.ts";
import { jobChildren, type TreeRunner } from "../tree/runner.ts";
import { parseRelayLines, toResult } from "../tree/lines.ts";

export interface BroadcastOptions {
  /** Children per node: 1 = a chain, 2 = a binary tree (default). */
  readonly arity?: number;
  /** Stops the transfer (relays killed on their hosts); hosts not yet done are reported failed. */
  readonly signal?: AbortSignal;
  /** Time limit for the whole broadcast, checksum probe included; hosts not done by then are reported timed out. */
  readonly timeout?: Seconds;
}

export interface BroadcastReport extends ActionReport {
  readonly sha256: string;
  /** Hosts that already had the file (same sha256) and were not sent it. */
  readonly skipped: readonly string[];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Sends one (large) file to `dest` ({{host}}, {{rank}}... substituted) on every host down a chain or tree of
 * relays: each node writes it while streaming it on, and reports the sha256 of
 * what it wrote, checked here. Hosts that already hold a file with the same
 * sha256 are skipped. A relay lost mid-way has its subtree re-sent from the
 * relay above it (from this controller at the top).
 */
export async function broadcastFile(tree: TreeRunner, file: string, hosts: readonly Host[], dest: string, opts: BroadcastOptions = {}): Promise<BroadcastReport> {
  // Per-host paths: namespaced hosts share one file system, so tests use e.g. /tmp/img-{{host}}.
  const paths = hosts.map((h, rank) => substitute([dest], h, rank)[0]);
  if (!dest.startsWith("/")) throw new UsageError(`broadcast destination must be an absolute path, got "${dest}"`);
  const arity = opts.arity ?? 2;
  if (!Number.isInteger(arity) || arity < 1) throw new UsageError(`broadcast arity must be a positive integer, got ${arity}`);
  if (opts.timeout !== undefined && !(opts.timeout > 0)) throw new UsageError(`broadcast timeout must be a positive number of seconds, got ${opts.timeout}`);
  const sha256 = await sha256File(file);
  const name = `broadcast ${dest}`;
  const stop = deadline(opts.signal, opts.timeout);
  const probe = await remote({ argv: ["sha256sum", dest], expectedExit: [0, 1] }, hosts, tree.ssh).run(stop.signal);
  const pathOf = new Map(hosts.map((h, i) => [h.name, paths[i]]));
  const have = new Set(probe.results.filter((r) => r.stdout.startsWith(`${sha256} `)).map((r) => r.host));
  const skipped = probe.results.filter((r) => have.has(r.host));
  const todo = hosts.filter((h) => !have.has(h.name));
  const todoPaths = todo.map((h) => pathOf.get(h.name)!);
  const byName = new Map<string, HostResult>();
  const check = (l: { stdout: string }) => (l.stdout === sha256 ? null : `checksum mismatch: got ${l.stdout || "nothing"}`);
  const send = async (node: TreeNode, reparented?: string) => {
    const { children, knownHosts } = jobChildren(node, todo, todoPaths, tree.ssh.pool.hostKeys);
    const job = { self: { name: todo[node.index].name, remote: todoPaths[node.index] }, children, knownHosts, broadcast: true, ...tree.relaySettings() };
    const input = Readable.from((async function* () {
      yield Buffer.from(JSON.stringify(job) + "\n");
      yield* createReadStream(file);
    })());
    const r = await tree.ssh.execString(todo[node.index], job.relayCommand, { argv: tree.relayArgv() }, stop.signal, input);
    for (const l of parseRelayLines(r.stdout)) {
      byName.set(l.host, toResult(reparented ? { ...l, reparented } : l, { argv: [] }, check));
    }
    return r;
  };
  const unanswered = (node: TreeNode) => flatten(node).filter((i) => !byName.has(todo[i].name));
  await Promise.all(buildForest(todo.map((_, i) => i), arity).map(async (node) => {
    await send(node);
    if (stop.signal?.aborted) return; // stopped: nothing is re-sent
    const relay = todo[node.index].name;
    await Promise.all(unanswered(node).map(async (i) => {
      const r = await send({ index: i, children: [] }, relay);
      if (!byName.has(todo[i].name) && !stop.signal?.aborted) {
        byName.set(todo[i].name, { ...r, status: r.status === "ok" ? "failed" : r.status, error: r.error ?? `no report: ${r.stderr.trim()}` });
      }
    }));
  }));
  const skippedResult = (h: Host) => {
    const s = skipped.find((x) => x.host === h.name);
    return s && { ...s, stdout: sha256 };
  };
  const stopped = (h: Host) => (stop.expired()
    ? noProcess(h.name, "timed-out", `broadcast exceeded its time limit of ${opts.timeout} s`)
    : noProcess(h.name, "failed", ABORTED));
  const results = hosts.map((h) => byName.get(h.name) ?? skippedResult(h) ?? stopped(h));
  return { ...report(name, results), sha256, skipped: skipped.map((s) => s.host) };
}
