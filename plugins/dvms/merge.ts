import type { TimerHandle } from "../../engine/cluster.ts";
import type { AgentCore } from "./core.ts";
import type { Membership } from "./member.ts";
import { mergeTokens, type IspToken } from "./partition.ts";

/** A merge request this initiator holds (its partition's lock) until its own token comes home. */
interface MergeLock {
  readonly token: IspToken;
  readonly timer: TimerHandle;
}

/** Merging two Blocked partitions (docs/dvms.md): the request an initiator holds, and the merge. */
export class Merger {
  lock: MergeLock | null = null;

  constructor(private readonly core: AgentCore) {}

  /**
   * A Blocked token reached the initiator of a Blocked partition (members
   * pass foreign tokens to their initiator): the partition whose initiator
   * ranks lower on the ring asks. Overload ISPs only: consolidation is
   * opportunistic, it does not merge.
   */
  mayMerge(token: IspToken, mine: Membership): boolean {
    return (
      this.core.env.options.merge &&
      token.state === "blocked" &&
      mine.state === "blocked" &&
      token.goal === "overload" &&
      mine.goal === "overload" &&
      token.initiator < mine.initiator &&
      !token.excluded.includes(mine.initiator) &&
      !token.detour.includes(mine.id)
    );
  }

  /**
   * Held (the partition's lock) if this node still initiates `into`, its
   * partition is Blocked and holds no other request: the merge happens when
   * its own token comes home. Otherwise refused: the token goes on its way.
   */
  onMergeRequest(token: IspToken, into: string): void {
    const { core } = this;
    const mine = core.member.membership;
    const accept =
      core.env.options.merge &&
      this.lock === null &&
      mine !== null &&
      mine.id === into &&
      mine.initiator === core.self &&
      mine.state === "blocked" &&
      core.leader.leading === null &&
      !token.nodes.includes(core.self);
    if (!accept) return core.router.route(token, false);
    const timer = core.after(core.env.options.mergeTimeout, () => this.releaseLock());
    this.lock = { token, timer };
  }

  /** Gives a held request back to the protocol: its token goes on as if refused. */
  releaseLock(): void {
    const l = this.lock;
    if (!l) return;
    l.timer.cancel();
    this.lock = null;
    this.core.router.route(l.token, false);
  }

  /** Both tokens are here: one Growing partition of all their nodes, led from here, announced to every member (the absorbed ones learn their new partition). */
  merge(own: IspToken, lock: MergeLock): void {
    const { core } = this;
    lock.timer.cancel();
    this.lock = null;
    const merged = mergeTokens(own, lock.token, core.self, core.rt.now());
    core.initiator.initiated = { id: merged.id, members: new Set(merged.nodes), last: core.self };
    core.leader.lead(merged, true);
  }

  /** The node is down: the held token dies with it (its members time out). */
  drop(): void {
    this.lock?.timer.cancel();
    this.lock = null;
  }
}
