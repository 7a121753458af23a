import type { TimerHandle } from "../../engine/cluster.ts";
import type { AgentCore } from "./core.ts";
import { overloaded, underloaded } from "./goal.ts";
import { ispId, ispIds, newToken, type IspGoal, type IspOutcome, type NodeView } from "./partition.ts";

/**
 * What an initiator knows of its partition between announcements: every
 * joiner asks it the validity check, so it hears of each join without a
 * message more. Members send it the foreign tokens they receive.
 */
export interface Initiated {
  readonly id: string;
  readonly members: Set<string>;
  /** The last node to join: the partition grows from there. */
  last: string;
}

/** FNV-1a of `text`, as a fraction in [0, 1). */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/**
 * The node watching its own load: it starts ISPs on overload (or underload),
 * backs off after unsolved ones, and, as an ISP's initiator, answers the
 * validity checks through which it hears of every join.
 */
export class Initiator {
  /** The partition this node initiates, as far as it knows it. */
  initiated: Initiated | null = null;
  private monitor: TimerHandle | null = null;
  private lastCheck = -Infinity;
  /** Back-off after an ISP ended unsolved (ownIspEnded): no new ISP before `retryAt`; `retryDelay` doubles per failure. */
  private retryAt = -Infinity;
  private retryDelay = 0;
  /** The last failure was `unsolvable`: the datacenter had no room, the end of this node's overload does not lift the back-off. */
  private saturated = false;
  private failures = 0;
  private seq = 0;
  private running = false;

  constructor(private readonly core: AgentCore) {}

  /** Starts initiating ISPs on overload; the node takes part in others' partitions regardless. */
  start(): void {
    this.running = true;
    this.scheduleCheck();
  }

  /** No new ISPs from this node; partitions under way finish on their own. */
  stop(): void {
    this.running = false;
    this.stopMonitoring();
  }

  stopMonitoring(): void {
    this.monitor?.cancel();
    this.monitor = null;
  }

  /** Overload event from the runtime's load monitor (a crossing of the node's capacity). */
  loadChanged(overloaded: boolean): void {
    if (overloaded) {
      this.scheduleCheck();
    } else if (this.retryDelay > 0 && !this.saturated) {
      // the overload is over: a later one starts afresh, without waiting out this one's back-off
      this.retryDelay = 0;
      this.retryAt = -Infinity;
      this.stopMonitoring();
      if (this.core.env.options.underload !== null) this.scheduleCheck();
    }
  }

  /** Whether `partition` is (or absorbed) the last ISP this node initiated. */
  owns(partition: { readonly id: string; readonly merged: readonly string[] }): boolean {
    return this.seq > 0 && ispIds(partition).includes(ispId(this.core.self, this.seq));
  }

  /** At most one check per checkPeriod; while overloaded (or watching for underload), one every checkPeriod; none while backing off. */
  private scheduleCheck(): void {
    if (!this.running || this.monitor) return;
    const now = this.core.rt.now();
    const at = Math.max(now, this.lastCheck + this.core.env.options.checkPeriod, this.retryAt);
    this.monitor = this.core.after(at - now, () => {
      this.monitor = null;
      this.check();
    });
  }

  private check(): void {
    this.lastCheck = this.core.rt.now();
    const view = this.core.localView();
    const threshold = this.core.env.options.underload;
    const goal: IspGoal | null = overloaded(view) ? "overload" : threshold !== null && underloaded(view, threshold) ? "underload" : null;
    if (goal !== null && this.core.isFree() && this.lastCheck >= this.retryAt) this.initiate(goal, view);
    // Underloads raise no runtime event: watching for them means checking every period.
    if (goal === "overload" || threshold !== null) this.scheduleCheck();
  }

  private initiate(goal: IspGoal, view: NodeView): void {
    const { self, rt, env } = this.core;
    const now = rt.now();
    const id = ispId(self, ++this.seq);
    env.events.ispStarted(id, self, goal, now);
    this.initiated = { id, members: new Set([self]), last: self };
    this.core.leader.lead(newToken(id, self, goal, view, now));
  }

  /**
   * A candidate about to join (or a silent member) asks: the initiator
   * learns of the join here. Only a join proves the token alive: a member's
   * probe does not touch the partition, or members and initiator would keep
   * a lost token's partition alive for ever.
   */
  onCheck(from: string, id: string): void {
    const { member } = this.core;
    const valid = member.membership?.id === id;
    const known = this.initiated;
    if (valid && known?.id === id && !known.members.has(from)) {
      known.members.add(from);
      known.last = from;
      member.touch();
    }
    this.core.send(from, { type: "check-reply", id, valid });
  }

  /**
   * An ISP this node initiated ended, or one it was a member of ended
   * `unsolvable` (it went round the ring: this node's own ISP would find no
   * more room). Unsolved: wait before starting another ISP, twice as long
   * after each further failure (up to maxBackoff), so an over-capacity
   * datacenter is not flooded with ISPs that cannot succeed; the wait is
   * spread over [1/2, 1] of the delay by the node's name (deterministic), or
   * every member of a failed sweep would start its own at the same instant.
   * Solved (its own): no wait.
   */
  backOff(outcome: IspOutcome): void {
    const { backoff, maxBackoff } = this.core.env.options;
    if (outcome === "solved") {
      this.retryDelay = 0;
      this.retryAt = -Infinity;
      this.saturated = false;
      return;
    }
    this.retryDelay = this.retryDelay === 0 ? backoff : Math.min(2 * this.retryDelay, maxBackoff);
    this.saturated = outcome === "unsolvable";
    const spread = 0.5 + 0.5 * unitHash(`${this.core.self}#${++this.failures}`);
    this.retryAt = Math.max(this.retryAt, this.core.rt.now() + this.retryDelay * spread);
  }

  /** The node went down: a back-off does not outlive it. */
  forgetBackOff(): void {
    this.retryDelay = 0;
    this.retryAt = -Infinity;
    this.saturated = false;
  }
}
