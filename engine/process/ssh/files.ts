import type { Host } from "../../hosts.ts";
import type { Seconds } from "../../cluster.ts";
import type { HostResult } from "../types.ts";
import { ABORTED, noProcess, unreachable } from "../result.ts";
import type { SshRunner } from "./runner.ts";

export type Transfer = "put" | "get";

/**
 * Copies one file to (put) or from (get) a host over SFTP on its pooled
 * connection, bytes as they are. `limit` bounds the whole copy; an abort or
 * the limit closes the SFTP session (the partial file stays where it is).
 */
export async function transfer(runner: SshRunner, host: Host, way: Transfer, local: string, remote: string, limit?: Seconds, signal?: AbortSignal): Promise<HostResult> {
  const start = Date.now();
  if (signal?.aborted) return noProcess(host.name, "failed", ABORTED, start);
  let conn;
  try {
    conn = await runner.pool.connection(host);
  } catch (err) {
    return unreachable(host.name, err, start);
  }
  const { client } = conn;
  return conn.channels.run(() => new Promise<HostResult>((resolve) => {
    let end = () => {};
    let settled = false;
    const done = (status: HostResult["status"], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      end();
      end = () => {};
      resolve(error === undefined
        ? { host: host.name, status, exitCode: status === "ok" ? 0 : null, signal: null, stdout: "", stderr: "", start, end: Date.now() }
        : noProcess(host.name, status, error, start));
    };
    const timer = limit === undefined ? undefined : setTimeout(() => done("timed-out", `${way} did not finish within ${limit} s`), limit * 1000);
    const onAbort = () => done("failed", ABORTED);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      client.sftp((err, sftp) => {
        if (err) return done("unreachable", `sftp: ${err.message}`);
        if (settled) return sftp.end(); // given up on while the session opened
        end = () => sftp.end();
        const finished = (e?: Error | null) => (e ? done("failed", `${way} ${way === "put" ? remote : local}: ${e.message}`) : done("ok"));
        if (way === "put") sftp.fastPut(local, remote, finished);
        else sftp.fastGet(remote, local, finished);
      });
    } catch (err) {
      done("unreachable", err instanceof Error ? err.message : String(err)); // the connection died after the pool lookup
    }
  }));
}
