import type { ClusterRuntime, MigrationResult, Seconds, TimerHandle } from "../../engine/cluster.ts";
import { addLoad, loadOf, mayFit, NO_LOAD, observationOf, overloaded, underloaded } from "./goal.ts";
import type { DvmsEvents } from "./isp-log.ts";
import { isDvmsMessage, type DvmsMessage, type PartitionUpdate } from "./messages.ts";
import type { DvmsOptions } from "./options.ts";
import type { Overlay } from "./overlay.ts";
import {
  dropMember,
  excludeNode,
  ispId,
  ispIds,
  joinToken,
  mergeTokens,
  newToken,
  unavailable,
  type IspGoal,
  type IspOutcome,
  type IspToken,
  type NodeView,
} from "./partition.ts";
import { runPlan } from "./plan-runner.ts";
import type { PartitionPlan, PartitionSolver } from "./solver.ts";

/** What one agent is given: its node, the runtime it lives in, and the shared policy. */
export interface AgentEnv {
  readonly self: string;
  readonly runtime: ClusterRuntime;
  readonly overlay: Overlay;
  readonly solve: PartitionSolver;
  readonly events: DvmsEvents;
  readonly options: DvmsOptions;
}

/** This node's membership of a partition, as the leader last announced it. */
interface Membership extends PartitionUpdate {
  lastUpdate: Seconds;
}

/** Set while this node holds the token and works on it: collecting views, solving, applying. */
interface Leading {
  token: IspToken;
  phase: "collecting" | "solving" | "applying";
  /** Members' views, this node's and those the acks bring. */
  readonly views: Map<string, NodeView>;
  readonly lastAck: Map<string, Seconds>;
  readonly awaiting: Set<string>;
  ticker: TimerHandle;
}

/** A token sent and not yet acknowledged by its receiver. */
interface Handoff {
  readonly token: IspToken;
  readonly to: string;
  readonly timer: TimerHandle;
}

/**
 * What an initiator knows of its partition between announcements: every
 * joiner asks it the validity check, so it hears of each join without a
 * message more. Members send it the foreign tokens they receive.
 */
interface Initiated {
  readonly id: string;
  readonly members: Set<string>;
  /** The last node to join: the partition grows from there. */
  last: string;
}

/** A merge request this initiator holds (its partition's lock) until its own token comes home. */
interface MergeLock {
  readonly token: IspToken;
  readonly timer: TimerHandle;
}

export type PublicState =
  | { readonly kind: "free" }
  | { readonly kind: "checking"; readonly id: string }
  | {
      readonly kind: "member";
      readonly id: string;
      /** This node's phase when it is the working leader. */
      readonly leading: "collecting" | "solving" | "applying" | null;
      /** Members as this node knows them (the leader's list is authoritative). */
      readonly nodes: readonly string[];
      /** The ISP whose merge request this initiator holds, if any. */
      readonly mergeLock: string | null;
    };

const EPSILON = 1e-9;

/**
 * Partitions a token remembers having been shortcut through: the last few
 * only. Remembering all made each hop O(partitions passed): over capacity,
 * with hundreds of partitions at once, 44 million entries copied in 10
 * simulated seconds at 1,000 PMs. A longer loop is still bounded: forwarders
 * drop a token no leader touched for partitionTimeout.
 */
const DETOUR_MEMORY = 32;

function detoured(detour: readonly string[], partition: string): string[] {
  const kept = detour.length < DETOUR_MEMORY ? detour : detour.slice(detour.length - DETOUR_MEMORY + 1);
  return [...kept, partition];
}

/** FNV-1a of `text`, as a fraction in [0, 1). */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/**
 * One DVMS node agent (docs/dvms.md): the whole protocol, written against
 * the scheduler-facing runtime only, so the simulated datacenter and the
 * TCP agents run this same code. Callbacks only: every step is a message
 * handler or a timer, which a discrete-event kernel fires deterministically.
 */
export class Agent {
  readonly self: string;
  private readonly rt: ClusterRuntime;
  private membership: Membership | null = null;
  private watchdog: TimerHandle | null = null;
  private leading: Leading | null = null;
  private pending: { readonly token: IspToken; readonly timer: TimerHandle } | null = null;
  private queue: IspToken[] = [];
  private lock: MergeLock | null = null;
  private initiated: Initiated | null = null;
  /** A member silent for partitionTimeout asked its initiator whether the partition lives; no reply in time: it timed out. */
  private probe: TimerHandle | null = null;
  private readonly handoffs = new Map<string, Handoff>();
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

  constructor(private readonly env: AgentEnv) {
    this.self = env.self;
    this.rt = env.runtime;
  }

  /** Registers the message handler; monitoring starts with `start`. */
  attach(): void {
    this.rt.network.listen(this.self, (from, message) => {
      if (this.alive() && isDvmsMessage(message)) this.receive(from, message);
    });
  }

  /** Starts initiating ISPs on overload; the node takes part in others' partitions regardless. */
  start(): void {
    this.running = true;
    this.scheduleCheck();
  }

  /** No new ISPs from this node; partitions under way finish on their own. */
  stop(): void {
    this.running = false;
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
      this.monitor?.cancel();
      this.monitor = null;
      if (this.env.options.underload !== null) this.scheduleCheck();
    }
  }

  state(): PublicState {
    if (this.membership) {
      const l = this.leading;
      const nodes = l?.token.nodes ?? this.membership.nodes;
      return { kind: "member", id: this.membership.id, leading: l?.phase ?? null, nodes, mergeLock: this.lock?.token.id ?? null };
    }
    if (this.pending) return { kind: "checking", id: this.pending.token.id };
    return { kind: "free" };
  }

  // ---- monitoring -------------------------------------------------------

  /** At most one check per checkPeriod; while overloaded (or watching for underload), one every checkPeriod; none while backing off. */
  private scheduleCheck(): void {
    if (!this.running || this.monitor) return;
    const now = this.rt.now();
    const at = Math.max(now, this.lastCheck + this.env.options.checkPeriod, this.retryAt);
    this.monitor = this.after(at - now, () => {
      this.monitor = null;
      this.check();
    });
  }

  private check(): void {
    this.lastCheck = this.rt.now();
    const view = this.localView();
    const threshold = this.env.options.underload;
    const goal: IspGoal | null = overloaded(view) ? "overload" : threshold !== null && underloaded(view, threshold) ? "underload" : null;
    if (goal !== null && this.isFree() && this.lastCheck >= this.retryAt) this.initiate(goal, view);
    // Underloads raise no runtime event: watching for them means checking every period.
    if (goal === "overload" || threshold !== null) this.scheduleCheck();
  }

  private initiate(goal: IspGoal, view: NodeView): void {
    const now = this.rt.now();
    const id = ispId(this.self, ++this.seq);
    this.env.events.ispStarted(id, this.self, goal, now);
    this.initiated = { id, members: new Set([this.self]), last: this.self };
    this.lead(newToken(id, this.self, goal, view, now));
  }

  // ---- message dispatch -------------------------------------------------

  private receive(from: string, m: DvmsMessage): void {
    switch (m.type) {
      case "isp":
        this.send(from, { type: "isp-ack", id: m.token.id });
        this.route(m.token);
        return;
      case "isp-ack": {
        const h = this.handoffs.get(m.id);
        if (h && h.to === from) {
          h.timer.cancel();
          this.handoffs.delete(m.id);
        }
        return;
      }
      case "check":
        return this.onCheck(from, m.id);
      case "check-reply":
        return this.onCheckReply(m.id, m.valid);
      case "update":
        return this.onUpdate(from, m);
      case "ack":
        return this.onAck(from, m.id, m.version, m.view);
      case "left":
        return this.onLeft(from, m.id);
      case "dissolve":
        if (this.membership?.id === m.id) this.leave(m.outcome);
        return;
    }
  }

  // ---- the token ---------------------------------------------------------

  /** Decides what to do with a token that reached this node (docs/dvms.md); `ask`: may request a merge. */
  private route(token: IspToken, ask = true): void {
    const now = this.rt.now();
    // A token nobody touched for the partition timeout belongs to a partition whose members have left.
    if (now - token.updatedAt > this.env.options.partitionTimeout) return;
    if (token.nodes.includes(this.self)) return this.routeOwn(token);
    const mine = this.membership;
    if (mine) {
      // Looping between busy partitions: send it home, where it turns Blocked or dissolves.
      if (token.detour.includes(mine.id)) return this.sendToken(token.initiator, { ...token, detour: [] });
      // Only the initiator knows the partition's members and state now: it decides (merge or shortcut).
      if (mine.initiator !== this.self) return this.sendToken(mine.initiator, token);
      if (ask && this.mayMerge(token, mine)) return this.onMergeRequest(token, mine.id);
      return this.shortcut(token, mine);
    }
    if (this.pending) {
      this.queue.push(token);
      return;
    }
    // Free: ask the initiator whether the partition still exists before joining.
    const timer = this.after(this.env.options.handoffTimeout, () => this.checkFailed(token.id));
    this.pending = { token, timer };
    this.send(token.initiator, { type: "check", id: token.id });
  }

  /** The token came back to one of its own members. */
  private routeOwn(token: IspToken): void {
    if (this.membership?.id !== token.id) return; // this node left that partition: the token is stale
    if (this.self !== token.initiator) {
      this.sendToken(token.initiator, token);
      return;
    }
    this.touch();
    this.initiated = { id: token.id, members: new Set(token.nodes), last: token.leader };
    if (token.state === "growing") {
      const blocked: IspToken = { ...token, state: "blocked", detour: [] };
      this.setMembership({ ...this.membership!, state: "blocked" });
      this.forward(blocked);
    } else if (this.lock) {
      this.merge(token, this.lock);
    } else {
      // Blocked and back: it went round the ring and nothing could absorb the overload.
      this.dissolve(token, "unsolvable", 0);
    }
  }

  /** A foreign token at a busy partition's initiator goes straight to the partition's first out. */
  private shortcut(token: IspToken, mine: Membership): void {
    const known = this.initiated?.id === mine.id ? this.initiated : { members: new Set(mine.nodes), last: this.self };
    const skip = { has: (n: string) => known.members.has(n) || token.excluded.includes(n) };
    const next = this.env.overlay.firstOut(known.last, { initiator: this.self, nodes: known.members }, skip);
    this.sendToken(next ?? token.initiator, { ...token, detour: detoured(token.detour, mine.id) });
  }

  /** Hands the token over; unacknowledged, it is routed again. */
  private sendToken(to: string, token: IspToken): void {
    const sent: IspToken = { ...token, hops: token.hops + 1 };
    this.handoffs.get(token.id)?.timer.cancel();
    const timer = this.after(this.env.options.handoffTimeout, () => this.handoffFailed(token.id));
    this.handoffs.set(token.id, { token: sent, to, timer });
    this.send(to, { type: "isp", token: sent });
  }

  /** The receiver never acknowledged: take it for dead and route the token again without it. */
  private handoffFailed(id: string): void {
    const h = this.handoffs.get(id);
    if (!h) return;
    this.handoffs.delete(id);
    if (h.to === h.token.initiator) {
      this.dissolve(h.token, "dissolved", 0); // the initiator is gone, so is its partition
      return;
    }
    const token = excludeNode(h.token, h.to);
    if (!token.nodes.includes(this.self)) this.route(token);
    else if (this.membership?.id === token.id) this.forward(token);
  }

  // ---- merging two Blocked partitions ---------------------------------------

  /**
   * A Blocked token reached the initiator of a Blocked partition (members
   * pass foreign tokens to their initiator): the partition whose initiator
   * ranks lower on the ring asks. Overload ISPs only: consolidation is
   * opportunistic, it does not merge.
   */
  private mayMerge(token: IspToken, mine: Membership): boolean {
    return (
      this.env.options.merge &&
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
  private onMergeRequest(token: IspToken, into: string): void {
    const mine = this.membership;
    const accept =
      this.env.options.merge &&
      this.lock === null &&
      mine !== null &&
      mine.id === into &&
      mine.initiator === this.self &&
      mine.state === "blocked" &&
      this.leading === null &&
      !token.nodes.includes(this.self);
    if (!accept) return this.route(token, false);
    const timer = this.after(this.env.options.mergeTimeout, () => this.releaseLock());
    this.lock = { token, timer };
  }

  /** Gives a held request back to the protocol: its token goes on as if refused. */
  private releaseLock(): void {
    const l = this.lock;
    if (!l) return;
    l.timer.cancel();
    this.lock = null;
    this.route(l.token, false);
  }

  /** Both tokens are here: one Growing partition of all their nodes, led from here, announced to every member (the absorbed ones learn their new partition). */
  private merge(own: IspToken, lock: MergeLock): void {
    lock.timer.cancel();
    this.lock = null;
    const merged = mergeTokens(own, lock.token, this.self, this.rt.now());
    this.initiated = { id: merged.id, members: new Set(merged.nodes), last: this.self };
    this.lead(merged, true);
  }

  // ---- validity check --------------------------------------------------------

  /**
   * A candidate about to join (or a silent member) asks: the initiator
   * learns of the join here. Only a join proves the token alive: a member's
   * probe does not touch the partition, or members and initiator would keep
   * a lost token's partition alive for ever.
   */
  private onCheck(from: string, id: string): void {
    const valid = this.membership?.id === id;
    const known = this.initiated;
    if (valid && known?.id === id && !known.members.has(from)) {
      known.members.add(from);
      known.last = from;
      this.touch();
    }
    this.send(from, { type: "check-reply", id, valid });
  }

  private onCheckReply(id: string, valid: boolean): void {
    if (this.probe && this.membership?.id === id) return this.probed(valid);
    const p = this.pending;
    if (!p || p.token.id !== id) return;
    p.timer.cancel();
    this.pending = null;
    if (valid) this.lead(joinToken(p.token, this.self, this.localView(), this.rt.now()));
    this.drain();
  }

  /** The initiator did not answer: it is gone, so is its partition. */
  private checkFailed(id: string): void {
    const p = this.pending;
    if (!p || p.token.id !== id) return;
    this.pending = null;
    this.dissolve(p.token, "dissolved", 0);
    this.drain();
  }

  private drain(): void {
    while (!this.pending && this.queue.length > 0) this.route(this.queue.shift()!);
  }

  // ---- leading -------------------------------------------------------------

  /**
   * This node joined (or started) the partition as its leader. The members
   * hear of it only when the leader will solve (or after a merge, `tell`):
   * below the minimum size, or when the partition cannot hold its VMs in sum
   * (`mayFit`, from the token's load), the token goes on at once, and the
   * members' memberships stay as they joined (docs/dvms.md: one message per
   * member per join made a sweep of s nodes cost O(s²) messages).
   */
  private lead(token: IspToken, tell = false): void {
    const now = this.rt.now();
    const working = token.nodes.length >= this.env.options.minPartitionSize && mayFit(token.load);
    if (working || tell) this.announce(token, working);
    else this.setMembership(this.updateOf(token));
    if (!working) {
      this.forward(token);
      return;
    }
    const others = token.nodes.filter((n) => n !== this.self);
    this.leading = {
      token,
      phase: "collecting",
      views: new Map([[this.self, this.localView()]]),
      lastAck: new Map(others.map((n) => [n, now])),
      awaiting: new Set(others),
      ticker: this.after(this.env.options.announcePeriod, () => this.tick()),
    };
    if (others.length === 0) this.solve();
  }

  /** Offers the token to the partition's first out; with none left, the ISP has no solution. */
  private forward(token: IspToken): void {
    this.stopLeading();
    const next = this.firstOut(token);
    const moved: IspToken = { ...token, updatedAt: this.rt.now() };
    if (next === null) this.dissolve(moved, "unsolvable", 0); // the partition holds every node it can reach
    else this.sendToken(next, moved);
  }

  private firstOut(token: IspToken): string | null {
    return this.env.overlay.firstOut(this.self, token, unavailable(token));
  }

  /** The partition as this node, leading it, tells it. */
  private updateOf(token: IspToken): PartitionUpdate {
    const { id, initiator, goal, nodes, version, state, hops, merged } = token;
    return { id, initiator, goal, leader: this.self, nodes, version, state, hops, merged };
  }

  /**
   * Tells the members who leads and who is in; they ack, with their fresh
   * views when `collect` (the leader is about to solve: a view is a snapshot
   * of the node and its VMs, wasted on a re-announce while applying a plan).
   * Refreshes this node's own membership. One message value for all members.
   */
  private announce(token: IspToken, collect: boolean): void {
    const update = this.updateOf(token);
    this.setMembership(update);
    const message: DvmsMessage = { type: "update", ...update, collect };
    for (const n of token.nodes) if (n !== this.self) this.send(n, message);
  }

  /** Every announcePeriod while leading: drop silent members, re-announce (docs/dvms.md, liveness). */
  private tick(): void {
    const l = this.leading;
    if (!l) return;
    const now = this.rt.now();
    for (const [member, at] of l.lastAck) {
      if (now - at > this.env.options.memberTimeout) {
        if (!this.dropFromLeading(member)) return;
      }
    }
    this.announce(l.token, l.phase === "collecting");
    l.ticker = this.after(this.env.options.announcePeriod, () => this.tick());
  }

  /** Removes a failed member; returns false when that dissolved the partition (initiator lost). */
  private dropFromLeading(member: string): boolean {
    const l = this.leading;
    if (!l) return false;
    if (member === l.token.initiator) {
      this.dissolve(l.token, "dissolved", 0);
      return false;
    }
    l.token = dropMember(l.token, member, this.rt.now());
    l.views.delete(member);
    l.lastAck.delete(member);
    l.awaiting.delete(member);
    this.announce(l.token, l.phase === "collecting");
    if (l.phase === "collecting" && l.awaiting.size === 0) this.solve();
    return true;
  }

  private onAck(from: string, id: string, version: number, view: NodeView | null): void {
    const l = this.leading;
    if (!l || l.token.id !== id || !l.lastAck.has(from)) return;
    l.lastAck.set(from, this.rt.now());
    if (version !== l.token.version || view === null) return;
    l.views.set(from, view);
    if (l.awaiting.delete(from) && l.phase === "collecting" && l.awaiting.size === 0) this.solve();
  }

  private onLeft(from: string, id: string): void {
    if (this.leading?.token.id === id && this.leading.lastAck.has(from)) this.dropFromLeading(from);
  }

  /**
   * Runs the solver on the members' fresh views; its cost is charged to the
   * clock before acting. The token's load is refreshed from those views
   * first: if the partition cannot hold its VMs after all, it grows at once.
   */
  private solve(): void {
    const l = this.leading;
    if (!l) return;
    const emptied = l.token.goal === "underload" ? l.token.initiator : null;
    let load = NO_LOAD;
    for (const [n, view] of l.views) load = addLoad(load, loadOf(view, n === emptied));
    l.token = { ...l.token, load };
    if (!mayFit(load)) return this.forward(l.token);
    l.phase = "solving";
    const solved = l.token;
    const plan = this.env.solve(observationOf(solved, l.views, this.rt.now()), solved.nodes, this.env.options.solverTimeLimit, this.rt);
    const delay = this.rt.computeDelay(plan.work, plan.seconds);
    this.env.events.computed(this.rt.clock === "wall" ? plan.seconds : delay);
    this.after(delay, () => this.decided(solved, plan));
  }

  private decided(solved: IspToken, plan: PartitionPlan): void {
    const l = this.leading;
    if (!l || l.token.id !== solved.id || l.phase !== "solving") return;
    // Members dropped while solving: the plan may use them, so solve again without them.
    if (l.token.nodes.length !== solved.nodes.length) return this.solve();
    if (plan.status === "solved" || plan.status === "unchanged") this.apply(plan);
    else this.forward(l.token);
  }

  private apply(plan: PartitionPlan): void {
    const l = this.leading!;
    l.phase = "applying";
    const id = l.token.id;
    runPlan(
      plan.actions,
      (vm, to, done) => this.rt.migrate(vm, to, (result) => this.alive() && done(result)),
      (results) => this.applied(id, results),
    );
  }

  private applied(id: string, results: readonly MigrationResult[]): void {
    const l = this.leading;
    if (!l || l.token.id !== id) return;
    for (const r of results) this.env.events.migrated(r);
    const ok = results.filter((r) => r.outcome === "ok").length;
    this.dissolve(l.token, ok === results.length ? "solved" : "dissolved", ok);
  }

  private stopLeading(): void {
    this.leading?.ticker.cancel();
    this.leading = null;
  }

  /** Ends the ISP: members are told, the metrics get its outcome. */
  private dissolve(token: IspToken, outcome: IspOutcome, migrations: number): void {
    for (const n of token.nodes) if (n !== this.self) this.send(n, { type: "dissolve", id: token.id, outcome });
    if (this.leading?.token.id === token.id) this.stopLeading();
    if (this.membership?.id === token.id) this.leave(outcome);
    this.ended(token, outcome, migrations);
  }

  /** Ends the partition's ISP and those it absorbed by merging. */
  private ended(partition: Pick<IspToken, "id" | "merged" | "nodes" | "hops">, outcome: IspOutcome, migrations: number): void {
    const end = { at: this.rt.now(), size: partition.nodes.length, hops: partition.hops, migrations, outcome };
    for (const id of ispIds(partition)) this.env.events.ispEnded(id, { ...end, mergedInto: id === partition.id ? null : partition.id });
  }

  // ---- membership ----------------------------------------------------------

  private setMembership(update: PartitionUpdate): void {
    const previous = this.membership?.id;
    this.membership = { ...update, lastUpdate: this.rt.now() };
    this.armWatchdog();
    // Absorbed by a merge: a request this node held for its old partition is void, and it initiates no more.
    if (previous !== undefined && previous !== update.id) {
      this.releaseLock();
      if (this.initiated?.id !== update.id) this.initiated = null;
    }
  }

  private onUpdate(from: string, m: Extract<DvmsMessage, { type: "update" }>): void {
    const mine = this.membership;
    const absorbed = mine !== null && m.merged.includes(mine.id);
    if (!mine || (mine.id !== m.id && !absorbed)) {
      this.send(from, { type: "left", id: m.id });
      return;
    }
    if (!absorbed && m.version < mine.version) return; // a late re-announce from an earlier leader
    if (absorbed || mine.version !== m.version || mine.leader !== m.leader) {
      const { type: _, collect: __, ...update } = m;
      this.setMembership(update);
    } else {
      this.touch(); // a re-announce: same partition, same version
    }
    this.send(from, { type: "ack", id: m.id, version: m.version, view: m.collect ? this.localView() : null });
  }

  private touch(): void {
    if (this.membership) this.membership.lastUpdate = this.rt.now();
  }

  /**
   * One timer per member, re-armed lazily. A partition silent for
   * partitionTimeout: its initiator (which hears of every join) takes it for
   * lost and leaves; another member asks the initiator first, since a
   * partition growing without solving announces nothing to its members.
   */
  private armWatchdog(): void {
    if (this.watchdog || !this.membership) return;
    const timeout = this.env.options.partitionTimeout;
    const wait = Math.max(0, this.membership.lastUpdate + timeout - this.rt.now());
    this.watchdog = this.after(wait, () => {
      this.watchdog = null;
      const mine = this.membership;
      if (!mine) return;
      if (this.rt.now() - mine.lastUpdate < timeout - EPSILON) return this.armWatchdog();
      if (mine.initiator === this.self) return this.timedOut();
      if (this.probe) return;
      this.probe = this.after(this.env.options.handoffTimeout, () => {
        this.probe = null;
        this.timedOut();
      });
      this.send(mine.initiator, { type: "check", id: mine.id });
    });
  }

  /** The initiator answered a member's probe: the partition lives on, or it ended (reported by whoever ended it). */
  private probed(valid: boolean): void {
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
    this.ended(mine, "timed-out", 0);
    this.leave("timed-out");
  }

  /** Leaves the partition; `outcome`: how it ended, when known. */
  private leave(outcome: IspOutcome | null = null): void {
    const mine = this.membership;
    const own = mine !== null && this.seq > 0 && ispIds(mine).includes(ispId(this.self, this.seq));
    if (outcome !== null && (own || outcome === "unsolvable")) this.backOff(outcome);
    this.stopLeading();
    this.watchdog?.cancel();
    this.watchdog = null;
    this.probe?.cancel();
    this.probe = null;
    this.membership = null;
    this.initiated = null;
    this.releaseLock();
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
  private backOff(outcome: IspOutcome): void {
    const { backoff, maxBackoff } = this.env.options;
    if (outcome === "solved") {
      this.retryDelay = 0;
      this.retryAt = -Infinity;
      this.saturated = false;
      return;
    }
    this.retryDelay = this.retryDelay === 0 ? backoff : Math.min(2 * this.retryDelay, maxBackoff);
    this.saturated = outcome === "unsolvable";
    const spread = 0.5 + 0.5 * unitHash(`${this.self}#${++this.failures}`);
    this.retryAt = Math.max(this.retryAt, this.rt.now() + this.retryDelay * spread);
  }

  private isFree(): boolean {
    return this.membership === null && this.pending === null;
  }

  // ---- runtime plumbing ----------------------------------------------------

  private send(to: string, message: DvmsMessage): void {
    this.rt.network.send(this.self, to, message);
  }

  /** Timers of a crashed node do nothing: a crash loses the agent's memory. */
  private after(delay: Seconds, fire: () => void): TimerHandle {
    return this.rt.setTimer(delay, () => {
      if (this.alive()) fire();
    });
  }

  private alive(): boolean {
    const up = this.rt.online?.(this.self) ?? this.rt.observe([this.self]).nodes.find((n) => n.name === this.self)?.online ?? false;
    if (!up) this.halt();
    return up;
  }

  /** The node is down: it forgets everything. An ISP it initiated dies with it (docs/dvms.md). */
  private halt(): void {
    const mine = this.membership;
    if (mine?.initiator === this.self) this.ended(mine, "dissolved", 0);
    this.lock?.timer.cancel();
    this.lock = null; // the held token dies with the node: its members time out
    this.leave();
    this.retryDelay = 0;
    this.retryAt = -Infinity;
    this.saturated = false;
    this.pending?.timer.cancel();
    this.pending = null;
    this.queue = [];
    for (const h of this.handoffs.values()) h.timer.cancel();
    this.handoffs.clear();
    this.monitor?.cancel();
    this.monitor = null;
  }

  private localView(): NodeView {
    const obs = this.rt.observe([this.self]);
    const node = obs.nodes.find((n) => n.name === this.self);
    if (!node) throw new Error(`runtime does not know node ${this.self}`);
    return { node, vms: obs.vms.filter((v) => v.node === this.self) };
  }
}
