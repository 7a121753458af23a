import { constants } from "node:os";
import { execa } from "execa";
import type { Host } from "../../hosts.ts";
import { UsageError } from "../../errors.ts";
import type { CommandSpec, FanoutRunner, HostResult } from "../types.ts";
import { resolveArgv } from "../substitute.ts";
import { remoteCommand } from "../quote.ts";
import { remoteStatus, unreachable } from "../result.ts";

export interface TaktukOptions {
  /** Private key for the ssh connector (default: the hosts' keyFile). */
  readonly keyFile?: string;
  readonly user?: string;
  /** Extra `-o Key=Value` options for the ssh connector, e.g. StrictHostKeyChecking=no. */
  readonly sshOptions?: readonly string[];
  /** taktuk's own options placed before the hosts (e.g. ["-d", "-1"] for static deployment). */
  readonly taktukArgs?: readonly string[];
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

  async exec(host: Host, rank: number, command: CommandSpec): Promise<HostResult> {
    return (await this.group([host], [rank], command))[0];
  }

  async execAll(hosts: readonly Host[], command: CommandSpec): Promise<HostResult[]> {
    const groups = new Map<string, number[]>();
    hosts.forEach((h, rank) => {
      const key = remoteCommand(resolveArgv(command, h, rank), command.env, command);
      groups.set(key, [...(groups.get(key) ?? []), rank]);
    });
    const out = new Array<HostResult>(hosts.length);
    await Promise.all([...groups.values()].map(async (ranks) => {
      const rs = await this.group(ranks.map((r) => hosts[r]), ranks, command);
      ranks.forEach((r, i) => (out[r] = rs[i]));
    }));
    return out;
  }

  async close(): Promise<void> {}

  private async group(hosts: readonly Host[], ranks: readonly number[], command: CommandSpec): Promise<HostResult[]> {
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
    const r = await execa("taktuk", [
      "-c", connector.join(" "), ...TEMPLATES, "-o", "state", "-o", "info", "-o", "message", "-o", "taktuk", // no template: stream off
      ...(this.opts.taktukArgs ?? []), ...hosts.flatMap((h) => ["-m", h.address]),
      "broadcast", "exec", "[", `echo ${b64} | base64 -d | sh`, "]",
    ], { reject: false, stripFinalNewline: false });
    return hosts.map((h) => parseHost(String(r.stdout), h, command, start, String(r.stderr)));
  }
}

function parseHost(out: string, host: Host, command: CommandSpec, start: number, stderr: string): HostResult {
  const stdout: string[] = [];
  const errors: string[] = [];
  let wait: number | null = null;
  const connector: string[] = [];
  for (const line of out.split("\n")) {
    const [tag, addr] = line.split(" ", 2);
    const rest = line.slice(tag.length + (addr?.length ?? 0) + 2);
    if (tag === "C" && rest.includes(host.address)) connector.push(rest);
    if (addr !== host.address) continue;
    if (tag === "O") stdout.push(rest + "\n");
    else if (tag === "E") errors.push(rest + "\n");
    else if (tag === "S") wait = Number(rest);
  }
  if (wait === null) return unreachable(host.name, connector.join("; ") || stderr.trim() || "taktuk reported no status", start);
  const exitCode = (wait & 127) === 0 ? wait >> 8 : null;
  const signal = (wait & 127) === 0 ? null : signalName(wait & 127);
  const end = Date.now();
  return {
    host: host.name, status: remoteStatus(command, exitCode, signal, end - start), exitCode, signal,
    stdout: stdout.join(""), stderr: errors.join(""), start, end,
  };
}

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : `SIG${n}`;
}
