import { fileURLToPath } from "node:url";
import type { Host } from "../../hosts.ts";
import type { Seconds } from "../../cluster.ts";
import type { CommandSpec, FanoutRunner, HostResult } from "../types.ts";
import { resolveArgv } from "../substitute.ts";
import { remoteCommand } from "../quote.ts";
import { ABORTED, DEFAULT_KILL_AFTER, noProcess } from "../result.ts";
import { deadline } from "../deadline.ts";
import { SshRunner } from "../ssh/runner.ts";
import { buildForest, defaultArity, flatten, height, type TreeNode } from "./plan.ts";
import { lostResult, parseRelayLines, toResult, type RelayLine } from "./lines.ts";
import type { HostKeyChecker } from "../ssh/hostkeys.ts";

/** What to do with the hosts under a relay that died: re-run them from the parent, or report them failed. */
export type RelayLossPolicy = "reparent" | "fail";

export interface TreeOptions {
  /** Children per node (default: two levels, ~sqrt(n)). */
  readonly arity?: number;
  /** argv that starts the relay program on a relay host (default: this node binary and relay.mjs, for relays sharing this file system). */
  readonly relayArgv?: readonly string[];
  readonly onRelayLoss?: RelayLossPolicy;
  /** Per-relay limits for its own connections to children (the connect time also counts in a relay's time limit). */
  readonly connectTimeout?: Seconds;
  readonly maxConcurrentConnects?: number;
}

export interface JobNode {
  readonly host: { name: string; address: string; port?: number; user?: string; keyFile?: string };
  readonly remote: string;
  readonly children: readonly JobNode[];
}

export const RELAY_PROGRAM = fileURLToPath(new URL("./relay.mjs", import.meta.url));

/** Per level of relays, on top of its connect timeout: the relay program's own start-up. */
const RELAY_START_GRACE: Seconds = 2;

/**
 * Tree fan-out: the controller holds connections to a few relays only; each
 * relay runs the command itself and on its subtree, so connection set-up and
 * client crypto proceed in parallel down the tree. Leaves at the top level,
 * and hosts under a lost relay, go through the controller's own pool.
 */
export class TreeRunner implements FanoutRunner {
  readonly name = "tree";

  constructor(readonly ssh: SshRunner, private readonly opts: TreeOptions = {}) {}

  exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult> {
    return this.ssh.exec(host, rank, command, signal);
  }

  async execAll(hosts: readonly Host[], command: CommandSpec, signal?: AbortSignal, ranks?: readonly number[]): Promise<HostResult[]> {
    const remotes = hosts.map((h, i) => remoteCommand(resolveArgv(command, h, ranks?.[i] ?? i), command.env, command));
    const forest = buildForest(hosts.map((_, i) => i), this.opts.arity ?? defaultArity(hosts.length));
    const byName = new Map<string, HostResult>();
    const direct = (i: number, reparented?: string) =>
      this.ssh.execString(hosts[i], remotes[i], command, signal).then((r) => {
        byName.set(r.host, reparented ? { ...r, reparented } : r);
      });
    await Promise.all(forest.map(async (node) => {
      if (node.children.length === 0) return direct(node.index);
      const { lines, expired } = await this.relay(node, hosts, remotes, command, signal);
      for (const l of lines) byName.set(l.host, toResult(l, command));
      const missing = flatten(node).filter((i) => !byName.has(hosts[i].name));
      const lost = hosts[node.index].name;
      // A relay stopped by its time limit or an abort is not lost: nothing is re-run.
      if (expired !== undefined) {
        for (const i of missing) byName.set(hosts[i].name, noProcess(hosts[i].name, "timed-out", `relay ${lost} exceeded its time limit of ${expired} s`));
      } else if (signal?.aborted) {
        for (const i of missing) byName.set(hosts[i].name, noProcess(hosts[i].name, "failed", ABORTED));
      } else if ((this.opts.onRelayLoss ?? "reparent") === "reparent") {
        await Promise.all(missing.map((i) => direct(i, lost)));
      } else {
        for (const i of missing) byName.set(hosts[i].name, lostResult(hosts[i].name, lost));
      }
    }));
    return hosts.map((h) => byName.get(h.name) ?? lostResult(h.name, "?"));
  }

  close(): Promise<void> {
    return this.ssh.close();
  }

  /** Runs one relay for its subtree; `expired` is its time limit when it had to be stopped for exceeding it. */
  private async relay(node: TreeNode, hosts: readonly Host[], remotes: readonly string[], command: CommandSpec, signal?: AbortSignal): Promise<{ lines: RelayLine[]; expired?: Seconds }> {
    const { children, knownHosts } = jobChildren(node, hosts, remotes, this.ssh.pool.hostKeys);
    const job = {
      self: { name: hosts[node.index].name, remote: remotes[node.index] },
      children,
      knownHosts,
      stdin: command.stdin,
      onRelayLoss: this.opts.onRelayLoss ?? "reparent",
      ...this.relaySettings(),
    };
    const limit = this.relayLimit(command, node);
    const stop = deadline(signal, limit);
    const relayCommand = { argv: this.relayArgv(), stdin: JSON.stringify(job) + "\n", killAfter: command.killAfter };
    const r = await this.ssh.execString(hosts[node.index], job.relayCommand, relayCommand, stop.signal);
    return { lines: parseRelayLines(r.stdout), ...(stop.expired() ? { expired: limit } : {}) };
  }

  /**
   * How long a relay may run: the command's time limit and kill delay, plus
   * one connect and relay start-up per level of relays in its subtree. None
   * for a command without a time limit (it may rightly run for ever).
   */
  private relayLimit(command: CommandSpec, node: TreeNode): Seconds | undefined {
    if (command.timeout === undefined) return undefined;
    const perLevel = (this.opts.connectTimeout ?? 10) + RELAY_START_GRACE;
    return command.timeout + (command.killAfter ?? DEFAULT_KILL_AFTER) + height(node) * perLevel;
  }

  /** How relays are started and connect onward (shared with file broadcast). */
  relaySettings(): { relayCommand: string; connectTimeoutMs: number; maxConcurrentConnects: number } {
    return {
      relayCommand: remoteCommand(this.relayArgv()),
      connectTimeoutMs: (this.opts.connectTimeout ?? 10) * 1000,
      maxConcurrentConnects: this.opts.maxConcurrentConnects ?? 32,
    };
  }

  relayArgv(): readonly string[] {
    return this.opts.relayArgv ?? [process.execPath, RELAY_PROGRAM];
  }
}

/** A node's subtree as the relay job wants it, with the host keys relays must check. */
export function jobChildren(node: TreeNode, hosts: readonly Host[], remotes: readonly string[], checker: HostKeyChecker): { children: JobNode[]; knownHosts: Record<string, string> } {
  const knownHosts: Record<string, string> = {};
  const toJob = (n: TreeNode): JobNode => {
    const h = hosts[n.index];
    const expected = checker.expected(h.address, h.port ?? 22);
    if (expected !== undefined) knownHosts[h.address] = expected;
    return {
      host: { name: h.name, address: h.address, port: h.port, user: h.user, keyFile: h.keyFile },
      remote: remotes[n.index] ?? "",
      children: n.children.map(toJob),
    };
  };
  return { children: node.children.map(toJob), knownHosts };
}
