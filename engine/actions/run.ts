import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Host } from "../hosts.ts";
import { UsageError } from "../errors.ts";
import { underPolicy, type FailurePolicy } from "../policy.ts";
import { broadcastFile, LocalRunner, LOCALHOST, remote as remoteAction, report, resolveArgv, substitute } from "../process/index.ts";
import { transfer, type Transfer } from "../process/ssh/files.ts";
import { unreachable } from "../process/result.ts";
import type { ActionReport, HostResult } from "../process/types.ts";
import type { StepContext } from "../testbed.ts";
import { actionName, type Action } from "./types.ts";
import type { Runners } from "./runners.ts";

export interface ActionEnv {
  readonly runners: Runners;
  readonly step: StepContext;
  /** The testbed's current view of a target host (deployed address, key, jump host), by name. */
  readonly resolve: (host: Host) => Host;
}

/** Runs a hosts' batch at once: `ranks[i]` is host i's {{rank}}. */
type Batch = (hosts: readonly Host[], ranks: readonly number[], signal: AbortSignal) => Promise<HostResult[]>;

/**
 * Runs an action: leaves under their failure policy, sequences in order,
 * parallels at once. The report merges the leaves' per-host results and
 * keeps each leaf's own report in `parts`.
 */
export async function runAction(action: Action, env: ActionEnv, spares: readonly Host[] = []): Promise<ActionReport> {
  const name = actionName(action);
  const { signal } = env.step;
  switch (action.kind) {
    case "sequence": {
      const parts: ActionReport[] = [];
      for (const a of action.actions) {
        signal.throwIfAborted();
        try {
          parts.push(await runAction(a, env));
        } catch (error) {
          if (action.options.stopOnFailure ?? true) throw error;
          env.step.journal({ event: "action-failed", action: actionName(a), error: error instanceof Error ? error.message : String(error) });
        }
      }
      return composite(name, parts);
    }
    case "parallel":
      return composite(name, await Promise.all(action.actions.map((a) => runAction(a, env))));
    case "local":
      return leaf(name, [LOCALHOST], [], action.options.policy, env, (hosts, ranks, s) => remoteAction(action.command, hosts, new LocalRunner(), { ranks }).run(s).then((r) => [...r.results]));
    case "remote": {
      action.hosts.forEach((h, i) => resolveArgv(action.command, h, i)); // bad substitutions fail before anything starts
      const runner = env.runners.pick(action.options.runner ?? "auto", action.hosts);
      env.step.journal({ event: "action-runner", action: name, runner: runner.name, hosts: action.hosts.length });
      return leaf(name, action.hosts, spares, action.options.policy, env, (hosts, ranks, s) => remoteAction(action.command, hosts, runner, { ranks }).run(s).then((r) => [...r.results]));
    }
    case "put":
    case "get": {
      const ssh = env.runners.ssh();
      const way: Transfer = action.kind;
      const remotePath = (h: Host, rank: number) => {
        const [path] = substitute([way === "put" ? action.to : action.from], h, rank);
        if (!path.startsWith("/")) throw new UsageError(`${way}: the remote path must be absolute, got "${path}"`);
        return path;
      };
      action.hosts.forEach(remotePath);
      return leaf(name, action.hosts, spares, action.options.policy, env, (hosts, ranks, s) => Promise.all(hosts.map(async (h, i) => {
        const path = remotePath(h, ranks[i]);
        let localPath = action.from;
        if (way === "get") {
          await mkdir(join(action.to, h.name), { recursive: true });
          localPath = join(action.to, h.name, basename(path));
        }
        return transfer(ssh, h, way, localPath, path, action.options.timeout, s);
      })));
    }
    case "broadcast": {
      const tree = env.runners.tree(action.hosts);
      return leaf(name, action.hosts, spares, action.options.policy, env, async (hosts, _ranks, s) =>
        [...(await broadcastFile(tree, action.file, hosts, action.to, { arity: action.options.arity, timeout: action.options.timeout, signal: s })).results]);
    }
  }
}

function composite(name: string, parts: readonly ActionReport[]): ActionReport {
  return { ...report(name, parts.flatMap((p) => p.results)), excluded: parts.flatMap((p) => p.excluded ?? []), parts };
}

/**
 * One leaf on its hosts under the failure policy. Attempts made together
 * (every host's first, the retries that fall due together) go out as one
 * batch, so a tree or TakTuk fan-out stays one fan-out under retries.
 */
export async function leaf(name: string, targets: readonly Host[], spares: readonly Host[], policy: FailurePolicy = {}, env: ActionEnv, batch: Batch): Promise<ActionReport> {
  const { step } = env;
  const everyone = [...targets, ...spares].map(env.resolve);
  const rank = new Map(everyone.map((h, i) => [h.name, i]));
  const results = new Map<string, HostResult>();
  const count = () => step.progress({ done: results.size, total: targets.length, failed: [...results.values()].filter((r) => r.status !== "ok").length, unit: "hosts" });
  let pending: { host: Host; resolve: (r: HostResult) => void }[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    batch(items.map((i) => i.host), items.map((i) => rank.get(i.host.name) ?? 0), step.signal).then(
      (rs) => items.forEach((item, i) => item.resolve(rs[i])),
      (error: unknown) => items.forEach((item) => item.resolve(unreachable(item.host.name, error))),
    );
  };
  const attempt = (host: Host): Promise<HostResult> => new Promise((resolve) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push({ host, resolve });
  });
  const run = { name: (h: Host) => h.name, spares: everyone.slice(targets.length), signal: step.signal, onEvent: (e: Readonly<Record<string, unknown>>) => step.journal({ ...e, action: name }) };
  const outcome = await underPolicy(everyone.slice(0, targets.length), policy, run, async (host) => {
    const r = await attempt(host);
    results.set(host.name, r);
    step.journal({ event: "host", action: name, host: host.name, status: r.status, exitCode: r.exitCode, seconds: (r.end - r.start) / 1000 });
    count();
    if (r.status !== "ok") throw new Error(`${r.status}${r.exitCode === null ? "" : ` (exit ${r.exitCode})`}${r.error ? `: ${r.error}` : ""}`);
    return r;
  });
  const all = everyone.map((h) => results.get(h.name)).filter((r): r is HostResult => r !== undefined);
  return { ...report(name, all), excluded: outcome.failed.map((f) => f.host.name) };
}
