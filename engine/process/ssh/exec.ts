import type { Readable } from "node:stream";
import type { ClientChannel } from "ssh2";
import type { CommandSpec, HostResult } from "../types.ts";
import { ABORTED, DEFAULT_KILL_AFTER, LOST, noProcess, remoteStatus, unreachable } from "../result.ts";
import { killable, killCommand, splitPgid } from "../quote.ts";
import type { Connection } from "./pool.ts";

/** After the remote KILL, how long to wait for the channel before giving up on it. */
export const CLOSE_GRACE_MS = 2000;
/** The pgid marker comes first on stderr; past this much stderr without it, stop looking. */
const MARKER_SEARCH_BYTES = 4096;
/** How long a command without a time limit may wait for its session channel. */
const OPEN_LIMIT_MS = 60_000;

/**
 * Runs one remote command string on a pooled connection and collects its
 * output and exit status. An abort stops the remote command's whole process
 * group, TERM then KILL `killAfter` later, through a second channel.
 * Getting the session channel is bounded too: an unresponsive server
 * (frozen sshd or guest) answers neither the channel request nor, for a
 * while, the keepalives that would close the connection.
 */
export async function execOn(
  conn: Connection, host: string, remote: string, command: CommandSpec, signal?: AbortSignal, input?: Readable,
): Promise<HostResult> {
  return conn.channels.run(() => new Promise<HostResult>((resolve) => {
    const start = Date.now();
    if (signal?.aborted) return resolve(noProcess(host, "failed", ABORTED, start)); // nothing starts once aborted
    const limitMs = openLimitMs(command);
    let waiting = true;
    const giveUp = (result: HostResult) => {
      waiting = false;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      input?.destroy(); // nobody will read it (a file broadcast)
      resolve(result);
    };
    const timer = setTimeout(() => giveUp(unreachable(host, `no session channel within ${limitMs / 1000} s (server unresponsive)`, start)), limitMs);
    const onAbort = () => giveUp(noProcess(host, "failed", ABORTED, start));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Listeners go on inside the callback: ssh2 can emit data, exit and
      // close from one network read, before any later microtask would run.
      conn.client.exec(killable(remote), (err, ch) => {
        if (!waiting) {
          // Given up on: stop whatever it started, as an abort would.
          if (!err) void collect(conn, ch, host, command, start, AbortSignal.abort(), input);
          return;
        }
        waiting = false;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (err) resolve(unreachable(host, err, start));
        else collect(conn, ch, host, command, start, signal, input).then(resolve);
      });
    } catch (err) {
      giveUp(unreachable(host, err, start)); // the connection died after the pool lookup
    }
  }));
}

function collect(conn: Connection, ch: ClientChannel, host: string, command: CommandSpec, start: number, signal?: AbortSignal, input?: Readable): Promise<HostResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let timedOut = false;
    let aborted = false;
    const timers: NodeJS.Timeout[] = [];
    const killAfterMs = (command.killAfter ?? DEFAULT_KILL_AFTER) * 1000;
    let settled = false;
    // The remote process group once the shell has reported it, and the
    // signal to send it as soon as it is known (an abort can come first).
    let pgid: number | null = null;
    let wanted: "TERM" | "KILL" | null = null;
    const signalGroup = (sig: "TERM" | "KILL") => {
      wanted = sig;
      if (pgid !== null) void control(conn, killCommand(pgid, sig));
    };
    const stop = () => {
      if (wanted !== null) return;
      signalGroup("TERM");
      timers.push(setTimeout(() => signalGroup("KILL"), killAfterMs));
      timers.push(setTimeout(() => { ch.close(); finish(); }, killAfterMs + CLOSE_GRACE_MS));
    };
    // timeout(1) on the remote side does TERM then KILL (see remoteCommand);
    // this only gives up on a channel that outlives both (hung connection).
    if (command.timeout !== undefined) {
      const backstop = command.timeout * 1000 + killAfterMs + CLOSE_GRACE_MS;
      timers.push(setTimeout(() => { timedOut = true; signalGroup("KILL"); ch.close(); finish(); }, backstop));
    }
    const onAbort = () => { aborted = true; stop(); };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort(); // aborted while the channel was opening

    ch.on("data", (d: Buffer) => out.push(d));
    ch.stderr.on("data", (d: Buffer) => {
      err.push(d);
      errBytes += d.length;
      if (pgid === null && errBytes - d.length < MARKER_SEARCH_BYTES) {
        const found = splitPgid(Buffer.concat(err).toString("utf8")).pgid;
        pgid = found !== null && found > 1 ? found : null; // never init or "all processes"
        if (pgid !== null && wanted !== null) signalGroup(wanted);
      }
    });
    ch.on("exit", (code: number | null, sig?: string) => {
      exitCode = code ?? null;
      exitSignal = sig ?? null;
    });
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
      input?.unpipe(ch);
      input?.destroy(); // nobody reads the rest (an aborted or failed transfer)
      const lost = exitCode === null && exitSignal === null && !timedOut;
      resolve({
        host,
        // Stopped by an abort counts as failed even if the command exits 0 on TERM.
        status: timedOut ? "timed-out" : lost || aborted ? "failed" : remoteStatus(command, exitCode, exitSignal, Date.now() - start),
        exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: splitPgid(Buffer.concat(err).toString("utf8")).rest,
        start,
        end: Date.now(),
        ...(aborted ? { error: ABORTED } : lost ? { error: LOST } : {}),
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

/** How long a command may wait for its session channel (or worker shell): its whole time limit, or OPEN_LIMIT_MS. */
export function openLimitMs(command: CommandSpec): number {
  return command.timeout === undefined ? OPEN_LIMIT_MS : command.timeout * 1000 + (command.killAfter ?? DEFAULT_KILL_AFTER) * 1000 + CLOSE_GRACE_MS;
}

/**
 * Runs a short command (a kill) on a channel of its own, one at a time per
 * connection, given up after a grace so a hung connection cannot hold later ones.
 */
export function control(conn: Connection, remote: string): Promise<void> {
  return conn.control.run(() => new Promise<void>((done) => {
    const timer = setTimeout(done, CLOSE_GRACE_MS);
    const end = () => { clearTimeout(timer); done(); };
    try {
      conn.client.exec(remote, (err, ch) => {
        if (err) return end();
        ch.on("close", end);
        ch.resume();
        ch.stderr.resume();
        ch.end();
      });
    } catch {
      end(); // the connection is gone, and the command's channel with it
    }
  }));
}
