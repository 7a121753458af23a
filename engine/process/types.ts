import type { Seconds } from "../cluster.ts";
import type { Host } from "../hosts.ts";

/**
 * The process layer, after Execo: a command on hosts is an Action; actions
 * compose in parallel or in sequence and each yields a report.
 */

/** A command as an argument vector; `{{host}}`, `{{rank}}`, `{{address}}` and user keys are substituted per host, never through a shell. */
export interface CommandSpec {
  readonly argv: readonly string[];
  /** Extra substitution values, `{{key}}` in argv. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Seconds before TERM, then KILL after `killAfter` more seconds. */
  readonly timeout?: Seconds;
  readonly killAfter?: Seconds;
  /** Exit codes counted as success (default [0]). */
  readonly expectedExit?: readonly number[];
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

export type HostStatus = "ok" | "failed" | "timed-out" | "unreachable";

export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly error?: string;
  /** Set when the host's relay was lost and the host was re-run from higher up the tree: the lost relay's name. */
  readonly reparented?: string;
}

export interface ActionReport {
  readonly name: string;
  readonly started: number;
  readonly ok: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly results: readonly HostResult[];
  /** Hosts a failure policy let the action go on without. */
  readonly excluded?: readonly string[];
  /** A sequence's or parallel's own actions, in order. */
  readonly parts?: readonly ActionReport[];
}

/** Runs one command on one host (local, ssh, tree relay, taktuk...). */
export interface ProcessRunner {
  readonly name: string;
  exec(host: Host, rank: number, command: CommandSpec, signal?: AbortSignal): Promise<HostResult>;
  close(): Promise<void>;
}

export interface Action {
  readonly name: string;
  run(signal?: AbortSignal): Promise<ActionReport>;
}

/** A runner that fans out on its own (tree relays, taktuk): it runs a whole host set in one go. */
export interface FanoutRunner extends ProcessRunner {
  /** `ranks[i]` is host i's {{rank}} (default i): a retry on some hosts keeps their ranks. */
  execAll(hosts: readonly Host[], command: CommandSpec, signal?: AbortSignal, ranks?: readonly number[]): Promise<HostResult[]>;
}
