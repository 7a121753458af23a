import type { CommandSpec, HostResult } from "../types.ts";
import { remoteStatus } from "../result.ts";

/** A relay's JSON line for one host (see relay.mjs): a host result before its status is judged here. */
export type RelayLine = Omit<HostResult, "status"> & { readonly unreachable?: boolean };

/** The host lines in a relay's output; a torn last line (relay died mid-write) is dropped, its host counts as missing. */
export function parseRelayLines(stdout: string): RelayLine[] {
  return stdout.split("\n").flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as RelayLine] : [];
    } catch {
      return [];
    }
  });
}

/** A relay line as a host result; `check` may turn an exited-0 line into a failure (broadcast checksums). */
export function toResult(l: RelayLine, command: CommandSpec, check?: (l: RelayLine) => string | null): HostResult {
  const lost = l.unreachable || (l.exitCode === null && l.signal === null);
  const signal = l.signal === null ? null : l.signal.startsWith("SIG") ? l.signal : `SIG${l.signal}`;
  const problem = lost ? null : check?.(l) ?? null;
  return {
    host: l.host,
    status: l.unreachable ? "unreachable" : lost || problem ? "failed" : remoteStatus(command, l.exitCode, signal, l.end - l.start),
    exitCode: l.exitCode,
    signal,
    stdout: l.stdout,
    stderr: l.stderr,
    start: l.start,
    end: l.end,
    ...(l.error || problem ? { error: l.error ?? problem ?? undefined } : {}),
    ...(l.reparented ? { reparented: l.reparented } : {}),
  };
}

export function lostResult(host: string, relay: string): HostResult {
  const now = Date.now();
  return { host, status: "unreachable", exitCode: null, signal: null, stdout: "", stderr: "", start: now, end: now, error: `relay ${relay} lost` };
}
