import type { Client, ClientChannel } from "ssh2";
import type { CommandSpec, HostResult } from "../types.ts";
import { ABORTED, DEFAULT_KILL_AFTER, LOST, remoteStatus, signalName, unreachable } from "../result.ts";
import { killSessionCommand, splitPgid, WORKER_PROLOGUE, WORKER_SHELL, workerLine } from "../quote.ts";
import { CLOSE_GRACE_MS, control } from "./exec.ts";
import { MarkerScan, nonce as freshNonce } from "./marker.ts";
import type { Connection } from "./pool.ts";

/*
 * Worker shells (docs/architecture.md, "Remote commands"). Each ssh exec
 * channel costs the server three process set-ups (sshd's session child, the
 * login shell, the command); on a loaded or virtualised host that, not the
 * network, bounds a warm fan-out. A worker is one `sh` per session channel,
 * kept open on the pooled connection like TakTuk's remote engines: it reads
 * one command line at a time (quote.ts, workerLine) and starts the command
 * as its child.
 */

/** What a command on a worker needs to know while it runs. */
interface Job {
  out(d: Buffer): void;
  err(d: Buffer): void;
  closed(signal: string | null): void;
}

/** One persistent shell on a session channel; one command at a time. */
export class Worker {
  private job: Job | null = null;
  private exitSignal: string | null = null;
  /** Closed, or being closed: never given a command again. */
  retired = false;

  constructor(private readonly ch: ClientChannel, readonly sid: number, gone: (w: Worker) => void) {
    // Output while idle comes from a background process a command left
    // behind: the worker is retired so that it never reaches a later command.
    ch.on("data", (d: Buffer) => (this.job ? this.job.out(d) : this.retire()));
    ch.stderr.on("data", (d: Buffer) => (this.job ? this.job.err(d) : this.retire()));
    ch.on("exit", (_code: number | null, sig?: string) => { this.exitSignal = sig ?? null; });
    ch.on("close", () => {
      this.retired = true;
      gone(this);
      this.job?.closed(this.exitSignal);
    });
  }

  /** Ends the shell (EOF on its command stream) and the channel. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    try {
      this.ch.end();
      this.ch.close();
    } catch {
      // the connection is gone, and the channel with it
    }
  }

  /**
   * Runs one remote command string. Null when the shell ended before the
   * command started (the caller may try another worker); otherwise the
   * result as an exec channel would give it. An abort or the time limit
   * signals the worker's whole session (the command, its children and the
   * groups it made), TERM then KILL, and retires the worker.
   */
  run(conn: Connection, host: string, remote: string, command: CommandSpec, start: number, signal: AbortSignal | undefined, done: (w: Worker) => void): Promise<HostResult | null> {
    return new Promise((resolve) => {
      const nonce = freshNonce();
      const { line, notices } = workerLine(remote, nonce);
      const marker = Buffer.from(`${nonce}\n`);
      const out = new MarkerScan(Buffer.from(nonce));
      const head = new MarkerScan(marker); // stderr up to the start marker: nothing of the command's
      const err = new MarkerScan(marker);
      let status: number | null = null;
      let timedOut = false;
      let aborted = false;
      let settled = false;
      let wanted: "TERM" | "KILL" | null = null;
      const timers: NodeJS.Timeout[] = [];
      const killAfterMs = (command.killAfter ?? DEFAULT_KILL_AFTER) * 1000;
      const signalSession = (sig: "TERM" | "KILL") => {
        wanted = sig;
        void control(conn, killSessionCommand(this.sid, sig));
      };
      const started = () => head.at >= 0;
      const finish = (result: HostResult | null) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        signal?.removeEventListener("abort", onAbort);
        this.job = null;
        if (result !== null && status !== null && !aborted && !timedOut) done(this);
        else this.retire();
        resolve(result);
      };
      const outcome = (exitCode: number | null, exitSignal: string | null, error?: string): HostResult => ({
        host,
        status: timedOut ? "timed-out" : aborted || error !== undefined ? "failed" : remoteStatus(command, exitCode, exitSignal, Date.now() - start),
        exitCode,
        signal: exitSignal,
        stdout: out.before().toString("utf8"),
        stderr: withoutNotice(err.before().toString("utf8"), notices ? status : null),
        start,
        end: Date.now(),
        ...(aborted ? { error: ABORTED } : error !== undefined ? { error } : {}),
      });
      const complete = () => {
        if (status === null || err.at < 0) return;
        // A worker sees 128+N for a command killed by signal N; after our own kill, report it as that signal, as sshd would.
        const sig = aborted && status > 128 ? signalName(status - 128) : null;
        finish(outcome(sig === null ? status : null, sig));
      };
      const stop = () => {
        if (wanted !== null) return;
        signalSession("TERM");
        timers.push(setTimeout(() => signalSession("KILL"), killAfterMs));
        timers.push(setTimeout(() => finish(outcome(null, null)), killAfterMs + CLOSE_GRACE_MS));
      };
      // timeout(1) on the remote side does TERM then KILL (see remoteCommand);
      // this only gives up on a worker that outlives both (hung server).
      if (command.timeout !== undefined) {
        const backstop = command.timeout * 1000 + killAfterMs + CLOSE_GRACE_MS;
        timers.push(setTimeout(() => {
          if (!started()) return finish(unreachable(host, `no answer from the worker shell within ${backstop / 1000} s (server unresponsive)`, start));
          timedOut = true;
          signalSession("KILL");
          finish(outcome(null, null));
        }, backstop));
      }
      const onAbort = () => { aborted = true; stop(); };

      this.job = {
        out: (d) => {
          out.push(d);
          if (status !== null || out.at < 0) return;
          const ended = /^(\d+)\n/.exec(out.after().toString("latin1"));
          if (ended) {
            status = Number(ended[1]);
            complete();
          }
        },
        err: (d) => {
          if (started()) err.push(d);
          else {
            head.push(d);
            if (started()) err.push(head.after());
          }
          complete();
        },
        closed: (sig) => finish(!started() && !aborted && !timedOut ? null : outcome(null, sig, aborted ? undefined : LOST)),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();
      try {
        this.ch.write(line);
      } catch {
        finish(null); // closed under us: the close handler may not come
      }
    });
  }
}

/**
 * Starts a worker shell on a session channel of `client` and resolves once
 * it has reported its pid (its session), within `limitMs`. `release` gives
 * the session slot back when the channel closes (or at once if it never opens).
 */
export function spawnWorker(client: Client, release: () => void, gone: (w: Worker) => void, limitMs: number): Promise<Worker> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      release();
      reject(why instanceof Error ? why : new Error(String(why)));
    };
    const timer = setTimeout(() => fail(new Error(`no worker shell within ${limitMs / 1000} s (server unresponsive)`)), limitMs);
    try {
      client.exec(WORKER_SHELL, (e, ch) => {
        if (e) return fail(e);
        if (settled) return ch.close(); // given up on
        let head = "";
        const onErr = (d: Buffer) => {
          head += d.toString("latin1");
          const pgid = splitPgid(head).pgid;
          if (pgid === null) return;
          settled = true;
          clearTimeout(timer);
          ch.stderr.removeListener("data", onErr);
          ch.removeListener("close", onEarlyClose);
          ch.on("close", release);
          if (pgid < 2) { // never init or "all processes"
            ch.close();
            return reject(new Error(`worker shell reported no process group (${pgid})`));
          }
          ch.write(WORKER_PROLOGUE);
          resolve(new Worker(ch, pgid, gone));
        };
        const onEarlyClose = () => fail(new Error("worker shell ended as it started"));
        ch.stderr.on("data", onErr);
        ch.on("close", onEarlyClose);
      });
    } catch (err) {
      fail(err); // the connection died after the pool lookup
    }
  });
}

/** What sh writes after a child killed by a signal (glibc's strsignal), dropped from the command's stderr. */
const NOTICES: Readonly<Record<number, string>> = {
  1: "Hangup", 3: "Quit", 4: "Illegal instruction", 5: "Trace/breakpoint trap", 6: "Aborted", 7: "Bus error", 8: "Floating point exception",
  9: "Killed", 10: "User defined signal 1", 11: "Segmentation fault", 12: "User defined signal 2", 14: "Alarm clock", 15: "Terminated",
  24: "CPU time limit exceeded", 25: "File size limit exceeded", 31: "Bad system call",
};

function withoutNotice(stderr: string, status: number | null): string {
  const notice = status !== null && status > 128 ? NOTICES[status - 128] : undefined;
  if (notice === undefined) return stderr;
  for (const line of [`${notice}\n`, `${notice} (core dumped)\n`]) {
    if (stderr.endsWith(line)) return stderr.slice(0, -line.length);
  }
  return stderr;
}
