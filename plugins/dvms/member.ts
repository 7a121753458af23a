import type { Seconds, TimerHandle } from "../../engine/cluster.ts";
import type { AgentCore } from "./core.ts";
import type { DvmsMessage, PartitionUpdate } from "./messages.ts";
import type { IspOutcome } from "./partition.ts";

/** This node's membership of a partition, as the leader last announced it. */
export interface Membership extends PartitionUpdate {
  lastUpdate: Seconds;
}

const EPSILON = 1e-9;

/** This node as a partition's member: its membership, the leader's updates, and the watchdog that ends a silent partition. */
export class Member {
  membership: Membership | null = null;
  private watchdog: TimerHandle | null = null;
  /** A member silent for partitionTimeout asked its initiator whether the partition lives; no reply in time: it timed out. */
  private probe: TimerHandle | null = null;

  constructor(private readonly core: AgentCore) {}

  setMembership(update: PartitionUpdate): void {
    const previous = this.membership?.id;
    this.membership = { ...update, lastUpdate: this.core.rt.now() };
    this.armWatchdog();
    // Absorbed by a merge: a request this node held for its old partition is void, and it initiates no more.
    if (previous !== undefined && previous !== update.id) {
      this.core.merger.releaseLock();
      if (this.core.initiator.initiated?.id !== update.id) this.core.initiator.initiated = null;
    }
  }

  onUpdate(from: string, m: Extract<DvmsMessage, { type: "update" }>): void {
    const { core } = this;
    const mine = this.membership;
    const absorbed = mine !== null && m.merged.includes(mine.id);
    if (!mine || (mine.id !== m.id && !absorbed)) {
      core.send(from, { type: "left", id: m.id });
      return;
    }
    if (!absorbed && m.version < mine.version) return; // a late re-announce from an earlier leader
    if (absorbed || mine.version !== m.version || mine.leader !== m.leader) {
      const { type: _, collect: __, ...update } = m;
      this.setMembership(update);
    } else {
      this.touch(); // a re-announce: same partition, same version
    }
    core.send(from, { type: "ack", id: m.id, version: m.version, view: m.collect ? core.localView() : null });
  }

  onDissolve(id: string, outcome: IspOutcome): void {
    if (this.membership?.id === id) this.leave(outcome);
  }

  touch(): void {
    if (this.membership) this.membership.lastUpdate = this.core.rt.now();
  }

  /**
   * One timer per member, re-armed lazily. A partition silent for
   * partitionTimeout: its initiator (which hears of every join) takes it for
   * lost and leaves; another member asks the initiator first, since a
   * partition growing without solving announces nothing to its members.
   */
  private armWatchdog(): void {
    if (this.watchdog || !this.membership) return;
    const { core } = this;
    const timeout = core.env.options.partitionTimeout;
    const wait = Math.max(0, this.membership.lastUpdate + timeout - core.rt.now());
    this.watchdog = core.after(wait, () => {
      this.watchdog = null;
      const mine = this.membership;
      if (!mine) return;
      if (core.rt.now() - mine.lastUpdate < timeout - EPSILON) return this.armWatchdog();
      if (mine.initiator === core.self) return this.timedOut();
      if (this.probe) return;
      this.probe = core.after(core.env.options.handoffTimeout, () => {
        this.probe = null;
        this.timedOut();
      });
      core.send(mine.initiator, { type: "check", id: mine.id });
    });
  }

  /** Whether a check-reply for `id` answers this member's probe. */
  probing(id: string): boolean {
    return this.probe !== null && this.membership?.id === id;
  }

  /** The initiator answered a member's probe: the partition lives on, or it ended (reported by whoever ended it). */
  probed(valid: boolean): void {
    this.probe?.cancel();
    this.probe = null;
    if (valid) {
      this.touch();
      this.armWatchdog();
    } else {
      this.leave();
    }
  }

  private timedOut(): void {
    const mine = this.membership;
    if (!mine) return;
    this.core.leader.ended(mine, "timed-out", 0);
    this.leave("timed-out");
  }

  /** Leaves the partition; `outcome`: how it ended, when known. */
  leave(outcome: IspOutcome | null = null): void {
    const { core } = this;
    const mine = this.membership;
    const own = mine !== null && core.initiator.owns(mine);
    if (outcome !== null && (own || outcome === "unsolvable")) core.initiator.backOff(outcome);
    core.leader.stopLeading();
    this.watchdog?.cancel();
    this.watchdog = null;
    this.probe?.cancel();
    this.probe = null;
    this.membership = null;
    core.initiator.initiated = null;
    core.merger.releaseLock();
  }
}
