import type { Client } from "ssh2";
import type { CommandSpec, HostResult } from "../types.ts";
import { ABORTED, noProcess, unreachable } from "../result.ts";
import { openLimitMs } from "./exec.ts";
import type { Limiter } from "./limiter.ts";
import type { Connection } from "./pool.ts";
import { spawnWorker, Worker } from "./worker.ts";

/**
 * A connection's worker shells. Each holds one of the connection's session
 * slots (the limiter kept under sshd's MaxSessions) for as long as it lives,
 * busy or idle; they are started on demand, one per command running at once,
 * and an idle one is closed when an exec channel (stdin input, SFTP) needs
 * its slot.
 */
export class WorkerSet {
  private readonly idle: Worker[] = [];
  /** Commands waiting for a worker: each takes the first one given back, unless a new one came first. */
  private readonly takers: ((w: Worker) => boolean)[] = [];
  /** Rejects when the connection closes: no worker can start on it any more. */
  private readonly ended: Promise<never>;

  constructor(private readonly client: Client, private readonly slots: Limiter) {
    slots.onFull = () => this.idle.shift()?.retire();
    this.ended = new Promise<never>((_, reject) => client.once("close", () => reject(new Error("connection closed"))));
    this.ended.catch(() => undefined);
  }

  /**
   * An idle worker, a worker given back by another command, or a new one on
   * a free slot, whichever comes first; a new one must answer within `openMs`
   * (the wait for a slot itself is not bounded, as for an exec channel).
   */
  take(openMs: number): Promise<Worker> {
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      let done = false;
      const stopWaiting = new AbortController();
      const handed = (w: Worker) => {
        if (done) return false;
        done = true;
        stopWaiting.abort();
        resolve(w);
        return true;
      };
      this.takers.push(handed);
      this.slots.take(stopWaiting.signal).then((release) => {
        if (done) return release(); // handed a worker just before
        done = true;
        this.takers.splice(this.takers.indexOf(handed), 1);
        Promise.race([spawnWorker(this.client, release, (w) => this.forget(w), openMs), this.ended]).then(resolve, reject);
      }, () => undefined); // handed a worker meanwhile
    });
  }

  /** Back from a command that ended cleanly: to a waiting command, or idle (closed if an exec channel waits for its slot). */
  give(w: Worker): void {
    if (w.retired) return;
    for (let taker = this.takers.shift(); taker; taker = this.takers.shift()) {
      if (taker(w)) return;
    }
    if (this.slots.queued > 0) w.retire();
    else this.idle.push(w);
  }

  private forget(w: Worker): void {
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
  }
}

/**
 * Runs an already quoted remote command on one of the connection's worker
 * shells. Null when the worker ended before the command started: the caller
 * may try again, on this connection or its replacement.
 */
export async function workOn(conn: Connection, host: string, remote: string, command: CommandSpec, start: number, signal?: AbortSignal): Promise<HostResult | null> {
  if (signal?.aborted) return noProcess(host, "failed", ABORTED, start); // nothing starts once aborted
  const w = await obtain(conn.workers, host, openLimitMs(command), start, signal);
  if (!(w instanceof Worker)) return w;
  return w.run(conn, host, remote, command, start, signal, (done) => conn.workers.give(done));
}

/** A worker, or why there is none: it did not answer in time, or an abort came first. */
function obtain(set: WorkerSet, host: string, openMs: number, start: number, signal?: AbortSignal): Promise<Worker | HostResult> {
  return new Promise((resolve) => {
    let waiting = true;
    const settle = (r: Worker | HostResult) => {
      waiting = false;
      signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    const onAbort = () => settle(noProcess(host, "failed", ABORTED, start));
    signal?.addEventListener("abort", onAbort, { once: true });
    set.take(openMs).then(
      (w) => (waiting ? settle(w) : set.give(w)),
      (err) => waiting && settle(unreachable(host, err, start)),
    );
  });
}
