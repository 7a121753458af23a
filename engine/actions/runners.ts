import type { Host } from "../hosts.ts";
import { UsageError } from "../errors.ts";
import { SshRunner, TaktukRunner, TreeRunner, type ProcessRunner, type TaktukOptions } from "../process/index.ts";
import type { RunnerChoice } from "./types.ts";

/** What a testbed's hosts offer beyond pooled SSH: the relay program (tree, broadcast) and TakTuk's ssh connector. */
export interface FanoutSupport {
  /** argv starting the relay program on a host (node and engine/process/tree/relay.mjs); absent: no tree. */
  readonly relayArgv?: readonly string[];
  /** Options of the taktuk runner (its ssh connector's host-key checks); absent: no taktuk. */
  readonly taktuk?: TaktukOptions;
  /** argv starting the user-space netem (engine/services/delayer.py) where the hosts' kernel lacks sch_netem. */
  readonly netemDelayerArgv?: readonly string[];
}

/**
 * Host count from which "auto" sends a command down the relay tree. On one
 * 2-core machine the tree never won up to 200 hosts, warm or cold (every
 * hop costs the same CPU; BENCHMARKS.md, bench:fanout), so it is left above
 * the local testbed's size; on Grid'5000 the controller's round trips to the
 * site make the tree's parallel connection set-up pay off much earlier.
 */
export const TREE_FROM = 250;

/** The runners of one testbed reservation, built on its pooled SSH runner. */
export class Runners {
  private treeRunner: TreeRunner | null = null;
  private taktukRunner: TaktukRunner | null = null;

  constructor(readonly direct: ProcessRunner, readonly support: FanoutSupport = {}, private readonly kind = "this") {}

  ssh(): SshRunner {
    if (!(this.direct instanceof SshRunner)) throw new UsageError(`the ${this.kind} testbed does not reach its hosts by SSH`);
    return this.direct;
  }

  /** The relay tree over the same pool (never closed here: the testbed closes its pool). */
  tree(hosts: readonly Host[] = []): TreeRunner {
    const relayArgv = this.support.relayArgv;
    if (!relayArgv) throw new UsageError(`the ${this.kind} testbed has no relay program on its hosts: no tree runner or broadcast`);
    const jumping = hosts.find((h) => h.jump);
    if (jumping) throw new UsageError(`tree runner: host ${jumping.name} is behind a jump host, which relays do not go through`);
    this.treeRunner ??= new TreeRunner(this.ssh(), { relayArgv });
    return this.treeRunner;
  }

  taktuk(): TaktukRunner {
    if (!this.support.taktuk) throw new UsageError(`the ${this.kind} testbed offers no taktuk runner`);
    this.taktukRunner ??= new TaktukRunner(this.support.taktuk);
    return this.taktukRunner;
  }

  pick(choice: RunnerChoice, hosts: readonly Host[]): ProcessRunner {
    switch (choice) {
      case "direct":
        return this.direct;
      case "tree":
        return this.tree(hosts);
      case "taktuk":
        return this.taktuk();
      case "auto":
        return hosts.length >= TREE_FROM && this.support.relayArgv && !hosts.some((h) => h.jump) ? this.tree(hosts) : this.direct;
    }
  }
}
