import type { Host } from "../../hosts.ts";
import type { Seconds } from "../../cluster.ts";
import { UsageError } from "../../errors.ts";
import type { CommandSpec, FanoutRunner, HostResult } from "../types.ts";
import { resolveArgv } from "../substitute.ts";
import { remoteCommand } from "../quote.ts";
import { ABORTED, DEFAULT_KILL_AFTER, noProcess, remoteStatus, signalName, unreachable } from "../result.ts";
import { runBounded } from "../spawn.ts";

export interface TaktukOptions {
  /** Private key for the ssh connector (default: the hosts' keyFile). */
  readonly keyFile?: string;
  readonly user?: string;
  /** Extra `-o Key=Value` options for the ssh connector, e.g. StrictHostKeyChecking=no. */
  readonly sshOptions?: readonly string[];
  /** taktuk's own options placed before the hosts (e.g. ["-d", "-1"] for static deployment). */
  readonly taktukArgs?: readonly string[];
  /**
   * Time for taktuk to deploy itself over ssh, added to a command's time
   * limit and kill delay to bound the whole taktuk run (default 30 s).
   */
  readonly deployTimeout?: Seconds;
}

const SAFE_WORD = /^[A-Za-z0-9_./=:@+-]+$/;
// One line per event, tagged with its stream; $line of the status stream is the raw wait status.
const TEMPLATES = ["output", "error", "status", "connector"].flatMap((s) => ["-o", `${s}="${s[0].toUpperCase()} $host $line\\n"`]);

/**
 * Debian's TakTuk as a runner: it deploys itself as a tree over ssh and runs
 * the command everywhere. Hosts whose resolved commands are equal share one
 * taktuk run. The command travels base64-encoded ([A-Za-z0-9+/=], nothing
 * taktuk's bracket syntax or the shell could read) and is decoded remotely.
 */
export class TaktukRunner implements FanoutRunner {
  readonly name = "taktuk";

  constructor(private readonly opts: TaktukOptions = {}) {}

  async exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult> {
    return (await this.group([host], [rank], command, signal))[0];
  }

  async execAll(hosts: readonly Host[], command: CommandSpec, signal?: AbortSignal, ranks?: readonly number[]): Promise<HostResult[]> {
    const groups = new Map<string, number[]>();
    hosts.forEach((h, i) => {
      const key = remoteCommand(resolveArgv(command, h, ranks?.[i] ?? i), command.env, command);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const out = new Array<HostResult>(hosts.length);
    await Promise.all([...groups.values()].map(async (members) => {
      const rs = await this.group(members.map((i) => hosts[i]), members.map((i) => ranks?.[i] ?? i), command, signal);
      members.forEach((m, i) => (out[m] = rs[i]));
    }));
    return out;
  }

  async close(): Promise<void> {}

  private async group(hosts: readonly Host[], ranks: readonly number[], command: CommandSpec, signal?: AbortSignal): Promise<HostResult[]> {
    if (command.stdin !== undefined) throw new UsageError("the taktuk runner does not pass stdin");
    for (const h of hosts) {
      if (h.jump || (h.port ?? 22) !== 22 || !SAFE_WORD.test(h.address)) throw new UsageError(`taktuk runner: host ${h.name} needs port 22, no jump host and a plain address`);
    }
    const key = this.opts.keyFile ?? hosts[0].keyFile;
    const connector = ["ssh", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
      ...(this.opts.sshOptions ?? []).flatMap((o) => ["-o", o]),
      ...(key ? ["-i", key] : []), "-l", this.opts.user ?? hosts[0].user ?? "root"];
    // taktuk splits its connector on spaces: every word must be plain.
    for (const w of connector) if (!SAFE_WORD.test(w)) throw new UsageError(`taktuk connector word "${w}" has unsafe characters`);
    const remote = remoteCommand(resolveArgv(command, hosts[0], ranks[0]), command.env, command);
    const b64 = Buffer.from(remote).toString("base64");
    const start = Date.now();
    if (signal?.aborted) return hosts.map((h) => noProcess(h.name, "failed", ABORTED, start));
    // The remote commands stop themselves under timeout(1); this bounds taktuk itself (hung deployment).
    const limit = command.timeout === undefined ? undefined
      : command.timeout + (command.killAfter ?? DEFAULT_KILL_AFTER) + (this.opts.deployTimeout ?? 30);
    const r = await runBounded(["taktuk",
      "-c", connector.join(" "), ...TEMPLATES, "-o", "state", "-o", "info", "-o", "message", "-o", "taktuk", // no template: stream off
      ...(this.opts.taktukArgs ?? []), ...hosts.flatMap((h) => ["-m", h.address]),
      "broadcast", "exec", "[", `echo ${b64} | base64 -d | sh`, "]",
    ], { timeout: limit, killAfter: command.killAfter }, signal);
    // Hosts with an exit status keep it; the others get why taktuk gave none.
    const noStatus = (h: Host) =>
      r.timedOut ? noProcess(h.name, "timed-out", `taktuk exceeded its time limit of ${limit} s`, start)
      : r.aborted ? noProcess(h.name, "failed", ABORTED, start)
      : unreachable(h.name, r.startError ?? (connectorErrors(r.stdout, h) || r.stderr.trim() || "taktuk reported no status"), start);
    return hosts.map((h) => parseHost(r.stdout, h, command, start) ?? noStatus(h));
  }
}

/** taktuk's output lines as (stream tag, reporting host, text); see TEMPLATES. */
function tagged(out: string): { tag: string; addr: string | undefined; rest: string }[] {
  return out.split("\n").map((line) => {
    const [tag, addr] = line.split(" ", 2);
    return { tag, addr, rest: line.slice(tag.length + (addr?.length ?? 0) + 2) };
  });
}

/** Connector lines about a host: reported by the taktuk instance that tried to reach it. */
function connectorErrors(out: string, host: Host): string {
  return tagged(out).filter((l) => l.tag === "C" && l.rest.includes(host.address)).map((l) => l.rest).join("; ");
}

/** A host's output and exit status in taktuk's tagged lines, or null when it has no status line. */
function parseHost(out: string, host: Host, command: CommandSpec, start: number): HostResult | null {
  const stdout: string[] = [];
  const errors: string[] = [];
  let wait: number | null = null;
  for (const { tag, addr, rest } of tagged(out)) {
    if (addr !== host.address) continue;
    if (tag === "O") stdout.push(rest + "\n");
    else if (tag === "E") errors.push(rest + "\n");
    else if (tag === "S") wait = Number(rest);
  }
  if (wait === null) return null;
  const exitCode = (wait & 127) === 0 ? wait >> 8 : null;
  const signal = (wait & 127) === 0 ? null : (signalName(wait & 127) ?? `SIG${wait & 127}`);
  const end = Date.now();
  return {
    host: host.name, status: remoteStatus(command, exitCode, signal, end - start), exitCode, signal,
    stdout: stdout.join(""), stderr: errors.join(""), start, end,
  };
}
