import type { Seconds } from "../cluster.ts";
import type { Host } from "../hosts.ts";
import type { FailurePolicy } from "../policy.ts";
import type { CommandSpec } from "../process/types.ts";

/**
 * How a remote command reaches its hosts: pooled SSH from the controller,
 * the relay tree, or TaktTuk; "auto" takes the tree from the host count
 * where it was measured to win (see runners.ts).
 */
export type RunnerChoice = "auto" | "direct" | "tree" | "taktuk";

export interface ActionOptions {
  /** Shown in the journal and progress (default: derived from the action). */
  readonly name?: string;
  /** Per host: the command's limit (remote, local) or the copy's (put, get); the whole transfer for a broadcast. */
  readonly timeout?: Seconds;
  /** Retries, required hosts, exclusion (default: every host must succeed). */
  readonly policy?: FailurePolicy;
}

export interface RemoteOptions extends ActionOptions {
  readonly runner?: RunnerChoice;
}

export interface BroadcastOptions extends ActionOptions {
  /** Children per relay: 1 = a chain, 2 = a binary tree (default). */
  readonly arity?: number;
}

/** What `x.run` runs: a description, bound to the testbed's runners when it runs. */
export type Action =
  | { readonly kind: "remote"; readonly hosts: readonly Host[]; readonly command: CommandSpec; readonly options: RemoteOptions }
  | { readonly kind: "local"; readonly command: CommandSpec; readonly options: ActionOptions }
  | { readonly kind: "put"; readonly hosts: readonly Host[]; readonly from: string; readonly to: string; readonly options: ActionOptions }
  | { readonly kind: "get"; readonly hosts: readonly Host[]; readonly from: string; readonly to: string; readonly options: ActionOptions }
  | { readonly kind: "broadcast"; readonly hosts: readonly Host[]; readonly file: string; readonly to: string; readonly options: BroadcastOptions }
  | { readonly kind: "sequence" | "parallel"; readonly actions: readonly Action[]; readonly options: CompositeOptions };

export interface CompositeOptions {
  readonly name?: string;
  /** sequence: stop at the first action that fails (default true), as a shell's `&&`. */
  readonly stopOnFailure?: boolean;
}

type Argv = readonly string[] | CommandSpec;
const command = (argv: Argv, timeout?: Seconds): CommandSpec => {
  const spec: CommandSpec = Array.isArray(argv) ? { argv: argv as readonly string[] } : (argv as CommandSpec);
  return timeout !== undefined && spec.timeout === undefined ? { ...spec, timeout } : spec;
};

/** A command on every host; `{{host}}`, `{{rank}}`, `{{address}}` and `vars` are substituted per host in each argument. */
export function remote(hosts: readonly Host[], argv: Argv, options: RemoteOptions = {}): Action {
  return { kind: "remote", hosts, command: command(argv, options.timeout), options };
}

/** A process on the controller. */
export function local(argv: Argv, options: ActionOptions = {}): Action {
  return { kind: "local", command: command(argv, options.timeout), options };
}

/** Copies a local file to `to` on every host (`{{host}}`, `{{rank}}` substituted), over SFTP. */
export function put(hosts: readonly Host[], from: string, to: string, options: ActionOptions = {}): Action {
  return { kind: "put", hosts, from, to, options };
}

/** Copies `from` (substituted per host) from every host to `<to>/<host>/<file name>` on the controller. */
export function get(hosts: readonly Host[], from: string, to: string, options: ActionOptions = {}): Action {
  return { kind: "get", hosts, from, to, options };
}

/** Sends one (large) file down a tree of relays, checksummed; hosts holding the same file are skipped. */
export function broadcast(hosts: readonly Host[], file: string, to: string, options: BroadcastOptions = {}): Action {
  return { kind: "broadcast", hosts, file, to, options };
}

export function sequence(actions: readonly Action[], options: CompositeOptions = {}): Action {
  return { kind: "sequence", actions, options };
}

export function parallel(actions: readonly Action[], options: CompositeOptions = {}): Action {
  return { kind: "parallel", actions, options };
}

export function actionName(a: Action): string {
  if (a.options.name) return a.options.name;
  switch (a.kind) {
    case "remote":
    case "local":
      return `${a.kind}:${a.command.argv[0] ?? ""}`;
    case "put":
    case "get":
      return `${a.kind}:${a.kind === "put" ? a.to : a.from}`;
    case "broadcast":
      return `broadcast:${a.to}`;
    default:
      return a.kind;
  }
}
