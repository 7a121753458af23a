import type { Readable } from "node:stream";
import type { ClientChannel } from "ssh2";
import type { CommandSpec, HostResult } from "../types.ts";
import { DEFAULT_KILL_AFTER, remoteStatus, unreachable } from "../result.ts";
import type { Connection } from "./pool.ts";

/** After the remote KILL, how long to wait for the channel before giving up on it. */
const CLOSE_GRACE_MS = 2000;

/**
 * Runs one remote command string on a pooled connection and collects its
 * output and exit status.
 */
export async function execOn(
  conn: Connection, host: string, remote: string, command: CommandSpec, signal?: AbortSignal, input?: Readable,
): Promise<HostResult> {
  return conn.channels.run(() => new Promise<HostResult>((resolve) => {
    const start = Date.now();
    try {
      // Listeners go on inside the callback: ssh2 can emit data, exit and
      // close from one network read, before any later microtask would run.
      conn.client.exec(remote, (err, ch) => {
        if (err) resolve(unreachable(host, err, start));
        else collect(ch, host, command, start, signal, input).then(resolve);
      });
    } catch (err) {
      resolve(unreachable(host, err, start)); // the connection died after the pool lookup
    }
  }));
}

function collect(ch: ClientChannel, host: string, command: CommandSpec, start: number, signal?: AbortSignal, input?: Readable): Promise<HostResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let timedOut = false;
    let aborted = false;
    const timers: NodeJS.Timeout[] = [];
    const killAfterMs = (command.killAfter ?? DEFAULT_KILL_AFTER) * 1000;
    let settled = false;
    // timeout(1) on the remote side does TERM then KILL (see remoteCommand);
    // this only gives up on a channel that outlives both (hung connection).
    if (command.timeout !== undefined) {
      const backstop = command.timeout * 1000 + killAfterMs + CLOSE_GRACE_MS;
      timers.push(setTimeout(() => { timedOut = true; ch.close(); finish(); }, backstop));
    }
    const onAbort = () => { aborted = true; ch.close(); finish(); };
    signal?.addEventListener("abort", onAbort, { once: true });

    ch.on("data", (d: Buffer) => out.push(d));
    ch.stderr.on("data", (d: Buffer) => err.push(d));
    ch.on("exit", (code: number | null, sig?: string) => {
      exitCode = code ?? null;
      exitSignal = sig ?? null;
    });
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
      const lost = exitCode === null && exitSignal === null && !timedOut;
      resolve({
        host,
        status: lost ? "failed" : timedOut ? "timed-out" : remoteStatus(command, exitCode, exitSignal, Date.now() - start),
        exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        start,
        end: Date.now(),
        ...(lost ? { error: aborted ? "aborted" : "connection closed before the command's exit status" } : {}),
      });
    };
    ch.on("close", finish);
    if (input) {
      input.on("error", () => ch.close());
      input.pipe(ch);
    } else {
      ch.end(command.stdin ?? undefined);
    }
  });
}
