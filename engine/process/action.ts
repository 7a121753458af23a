import type { Host } from "../hosts.ts";
import type { Action, ActionReport, CommandSpec, FanoutRunner, HostResult, ProcessRunner } from "./types.ts";
import { resolveArgv } from "./substitute.ts";
import { report } from "./result.ts";
import { LOCALHOST, LocalRunner } from "./local.ts";

export interface RemoteOptions {
  readonly name?: string;
  /** Hosts in flight at once for per-host runners (the pool bounds connections on its own). */
  readonly concurrency?: number;
  /** Called as each host finishes (journal streaming). */
  readonly onResult?: (r: HostResult) => void;
  /** {{rank}} of each host (default its index in `hosts`): a retry on some hosts keeps their ranks. */
  readonly ranks?: readonly number[];
}

function isFanout(r: ProcessRunner): r is FanoutRunner {
  return typeof (r as Partial<FanoutRunner>).execAll === "function";
}

/** One command on many hosts, rank = index in `hosts`. Bad substitutions throw before anything starts. */
export function remote(command: CommandSpec, hosts: readonly Host[], runner: ProcessRunner, opts: RemoteOptions = {}): Action {
  const name = opts.name ?? command.argv.join(" ");
  return {
    name,
    async run(signal) {
      const rank = (i: number) => opts.ranks?.[i] ?? i;
      hosts.forEach((h, i) => resolveArgv(command, h, rank(i)));
      let results: HostResult[];
      if (isFanout(runner)) {
        results = await runner.execAll(hosts, command, signal, opts.ranks);
        if (opts.onResult) results.forEach(opts.onResult);
      } else {
        results = new Array<HostResult>(hosts.length);
        let next = 0;
        const worker = async () => {
          while (next < hosts.length) {
            const i = next++;
            results[i] = await runner.exec(hosts[i], rank(i), command, signal);
            opts.onResult?.(results[i]);
          }
        };
        await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 1000, hosts.length) }, worker));
      }
      return report(name, results);
    },
  };
}

/** A command on the controller itself. */
export function local(command: CommandSpec, opts: RemoteOptions = {}): Action {
  return remote(command, [LOCALHOST], new LocalRunner(), opts);
}

/** Runs actions at once; the report merges their results. */
export function parallel(actions: readonly Action[], name = "parallel"): Action {
  return {
    name,
    async run(signal) {
      const reports = await Promise.all(actions.map((a) => a.run(signal)));
      return report(name, reports.flatMap((r) => r.results));
    },
  };
}

export interface SequenceOptions {
  /** Stop at the first action with a failed or timed-out host (default true), as a shell's `&&`. */
  readonly stopOnFailure?: boolean;
}

/** Runs actions one after the other; the report merges the results of those that ran. */
export function sequence(actions: readonly Action[], name = "sequence", opts: SequenceOptions = {}): Action {
  return {
    name,
    async run(signal) {
      const done: ActionReport[] = [];
      for (const a of actions) {
        if (signal?.aborted) break;
        const r = await a.run(signal);
        done.push(r);
        if ((opts.stopOnFailure ?? true) && r.ok < r.started) break;
      }
      return report(name, done.flatMap((r) => r.results));
    },
  };
}
