import type { Readable } from "node:stream";
import type { Host } from "../../hosts.ts";
import type { CommandSpec, HostResult, ProcessRunner } from "../types.ts";
import { resolveArgv } from "../substitute.ts";
import { remoteCommand } from "../quote.ts";
import { ABORTED, noProcess, unreachable } from "../result.ts";
import { SshPool, type SshPoolOptions } from "./pool.ts";
import { execOn } from "./exec.ts";

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

  /** Runs an already quoted remote command (relays build theirs with remoteCommand); `input` streams stdin (file broadcast). */
  async execString(host: Host, remote: string, command: CommandSpec, signal?: AbortSignal, input?: Readable): Promise<HostResult> {
    const start = Date.now();
    if (signal?.aborted) return noProcess(host.name, "failed", ABORTED, start);
    try {
      const conn = await this.pool.connection(host);
      return await execOn(conn, host.name, remote, command, signal, input);
    } catch (err) {
      return unreachable(host.name, err, start);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
