import type { Readable } from "node:stream";
import type { Host } from "../../hosts.ts";
import type { CommandSpec, HostResult, ProcessRunner } from "../types.ts";
import { resolveArgv } from "../substitute.ts";
import { remoteCommand } from "../quote.ts";
import { ABORTED, noProcess, unreachable } from "../result.ts";
import { SshPool, type SshPoolOptions } from "./pool.ts";
import { execOn } from "./exec.ts";
import { workOn } from "./workers.ts";

/** Runs commands over pooled ssh2 connections. */
export class SshRunner implements ProcessRunner {
  readonly name = "ssh";
  readonly pool: SshPool;

  constructor(opts: SshPoolOptions | SshPool = {}) {
    this.pool = opts instanceof SshPool ? opts : new SshPool(opts);
  }

  async exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult> {
    // Bad substitutions throw UsageError before anything is sent.
    const remote = remoteCommand(resolveArgv(command, host, rank), command.env, command);
    return this.execString(host, remote, command, signal);
  }

  /**
   * Runs an already quoted remote command (relays build theirs with
   * remoteCommand); `input` streams stdin (file broadcast). A command with
   * stdin input gets an exec channel of its own; any other runs on one of
   * the connection's worker shells (workers.ts).
   */
  async execString(host: Host, remote: string, command: CommandSpec, signal?: AbortSignal, input?: Readable): Promise<HostResult> {
    const start = Date.now();
    if (signal?.aborted) return noProcess(host.name, "failed", ABORTED, start);
    try {
      if (input !== undefined || (command.stdin ?? "") !== "") return await execOn(await this.pool.connection(host), host.name, remote, command, signal, input);
      // A worker that ended before the command started (killed, or its connection lost): once more, on a new one.
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await workOn(await this.pool.connection(host), host.name, remote, command, start, signal);
        if (r !== null) return r;
      }
      return unreachable(host.name, "the worker shell ended before the command started, twice", start);
    } catch (err) {
      return unreachable(host.name, err, start);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
