import type { ClusterRuntime, MigrationResult, Seconds, TimerHandle } from "../../engine/cluster.ts";
import { observationOf, overloaded, underloaded } from "./goal.ts";
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
  private readonly handoffs = new Map<string, Handoff>();
  private monitor: TimerHandle | null = null;
  private lastCheck = -Infinity;
  /** Back-off after this node's own ISP ended unsolved: no new ISP before `retryAt`; `retryDelay` doubles per failure. */
  private retryAt = -Infinity;
  private retryDelay = 0;
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
    } else if (this.retryDelay > 0) {
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
    this.lead(newToken(id, this.self, goal, view, now));
  }

  // ---- message dispatch -------------------------------------------------

  private receive(from: string, m: DvmsMessage): void {
    switch (m.type) {
      case "isp":
        this.send(from, { type: "isp-ack", id: m.token.id });
        this.route(m.token);
        return;
      case "merge":
        this.send(from, { type: "isp-ack", id: m.token.id });
        this.onMergeRequest(m.token, m.into);
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
    if (mine && ask && this.mayMerge(token, mine)) return this.requestMerge(token, mine);
    if (mine) return this.shortcut(token, mine);
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
    if (token.state === "growing") {
      const blocked: IspToken = { ...token, state: "blocked", detour: [] };
      if (this.env.options.merge) this.tellBlocked(blocked);
      this.forward(blocked);
    } else if (this.lock) {
      this.merge(token, this.lock);
    } else {
      // Blocked and back: it went round the ring and nothing could absorb the overload.
      this.dissolve(token, "unsolvable", 0);
    }
  }

  /** A foreign token at a busy node goes straight to the first out of this node's partition. */
  private shortcut(token: IspToken, mine: Membership): void {
    if (token.detour.includes(mine.id)) {
      // Looping between busy partitions: send it home, where it turns Blocked or dissolves.
      this.sendToken(token.initiator, { ...token, detour: [] });
      return;
    }
    let next = mine.firstOut;
    if (next === null || next === this.self || token.excluded.includes(next)) {
      const skip = new Set([...mine.nodes, ...token.excluded]);
      next = this.env.overlay.firstOut(this.self, mine, skip);
    }
    this.sendToken(next ?? token.initiator, { ...token, detour: [...token.detour, mine.id] });
  }

  /** Hands the token over (a merge request when `into` names the partition asked); unacknowledged, it is routed again. */
  private sendToken(to: string, token: IspToken, into: string | null = null): void {
    const sent: IspToken = { ...token, hops: token.hops + 1 };
    this.handoffs.get(token.id)?.timer.cancel();
    const timer = this.after(this.env.options.handoffTimeout, () => this.handoffFailed(token.id));
    this.handoffs.set(token.id, { token: sent, to, timer });
    this.send(to, into === null ? { type: "isp", token: sent } : { type: "merge", token: sent, into });
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
   * A Blocked token met a Blocked partition (as this member last heard):
   * the partition whose initiator ranks lower on the ring asks. Overload
   * ISPs only: consolidation is opportunistic, it does not merge.
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

  /** The request goes, token and all, to the other partition's initiator: the one node that can hold both tokens. */
  private requestMerge(token: IspToken, mine: Membership): void {
    if (mine.initiator === this.self) this.onMergeRequest(token, mine.id);
    else this.sendToken(mine.initiator, token, mine.id);
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

  /** Both tokens are here: one Growing partition of all their nodes, led from here, announced to every member. */
  private merge(own: IspToken, lock: MergeLock): void {
    lock.timer.cancel();
    this.lock = null;
    this.lead(mergeTokens(own, lock.token, this.self, this.rt.now()));
  }

  /** The initiator tells its members the partition is Blocked, so they know it may merge. */
  private tellBlocked(token: IspToken): void {
    if (!this.membership) return;
    const { lastUpdate: _, ...update } = this.membership;
    const blocked: PartitionUpdate = { ...update, state: "blocked" };
    this.setMembership(blocked);
    for (const n of token.nodes) if (n !== this.self) this.send(n, { type: "update", ...blocked });
  }

  // ---- validity check --------------------------------------------------------

  private onCheck(from: string, id: string): void {
    const valid = this.membership?.id === id;
    if (valid) this.touch();
    this.send(from, { type: "check-reply", id, valid });
  }

  private onCheckReply(id: string, valid: boolean): void {
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

  /** This node joined (or started) the partition as its leader. */
  private lead(token: IspToken): void {
    const now = this.rt.now();
    this.announce(token);
    if (token.nodes.length < this.env.options.minPartitionSize) {
      this.forward(token);
      return;
    }
    // The leader's own copy of the views, which members' acks refresh in place (a copy per ack cost O(size) each).
    token = { ...token, views: { ...token.views } };
    const others = token.nodes.filter((n) => n !== this.self);
    this.leading = {
      token,
      phase: "collecting",
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

  /** Tells the members who leads, who is in and where the first out is; refreshes this node's own membership. */
  private announce(token: IspToken): void {
    const update: PartitionUpdate = {
      id: token.id,
      initiator: token.initiator,
      goal: token.goal,
      leader: this.self,
      nodes: token.nodes,
      version: token.version,
      state: token.state,
      hops: token.hops,
      firstOut: this.firstOut(token),
      merged: token.merged,
    };
    this.setMembership(update);
    for (const n of token.nodes) if (n !== this.self) this.send(n, { type: "update", ...update });
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
    this.announce(l.token);
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
    l.lastAck.delete(member);
    l.awaiting.delete(member);
    this.announce(l.token);
    if (l.phase === "collecting" && l.awaiting.size === 0) this.solve();
    return true;
  }

  private onAck(from: string, id: string, version: number, view: NodeView): void {
    const l = this.leading;
    if (!l || l.token.id !== id || !l.lastAck.has(from)) return;
    l.lastAck.set(from, this.rt.now());
    if (version !== l.token.version) return;
    (l.token.views as Record<string, NodeView>)[from] = view;
    if (l.awaiting.delete(from) && l.phase === "collecting" && l.awaiting.size === 0) this.solve();
  }

  private onLeft(from: string, id: string): void {
    if (this.leading?.token.id === id && this.leading.lastAck.has(from)) this.dropFromLeading(from);
  }

  /** Runs the solver on the members' views; its cost is charged to the clock before acting. */
  private solve(): void {
    const l = this.leading;
    if (!l) return;
    l.phase = "solving";
    const solved = l.token;
    const plan = this.env.solve(observationOf(solved, this.rt.now()), solved.nodes, this.env.options.solverTimeLimit, this.rt);
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
    // Absorbed by a merge: a request this node held for its old partition is void.
    if (previous !== undefined && previous !== update.id) this.releaseLock();
  }

  private onUpdate(from: string, m: Extract<DvmsMessage, { type: "update" }>): void {
    const mine = this.membership;
    const absorbed = mine !== null && m.merged.includes(mine.id);
    if (!mine || (mine.id !== m.id && !absorbed)) {
      this.send(from, { type: "left", id: m.id });
      return;
    }
    if (!absorbed && m.version < mine.version) return; // a late re-announce from an earlier leader
    const { type: _, ...update } = m;
    this.setMembership(update);
    this.send(from, { type: "ack", id: m.id, version: m.version, view: this.localView() });
  }

  private touch(): void {
    if (this.membership) this.membership.lastUpdate = this.rt.now();
  }

  /** One timer per member, re-armed lazily: members leave a partition silent for partitionTimeout. */
  private armWatchdog(): void {
    if (this.watchdog || !this.membership) return;
    const timeout = this.env.options.partitionTimeout;
    const wait = Math.max(0, this.membership.lastUpdate + timeout - this.rt.now());
    this.watchdog = this.after(wait, () => {
      this.watchdog = null;
      const mine = this.membership;
      if (!mine) return;
      if (this.rt.now() - mine.lastUpdate >= timeout - EPSILON) {
        this.ended(mine, "timed-out", 0);
        this.leave("timed-out");
      } else {
        this.armWatchdog();
      }
    });
  }

  /** Leaves the partition; `outcome`: how it ended, when known. */
  private leave(outcome: IspOutcome | null = null): void {
    const mine = this.membership;
    if (mine && outcome !== null && this.seq > 0 && ispIds(mine).includes(ispId(this.self, this.seq))) this.ownIspEnded(outcome);
    this.stopLeading();
    this.watchdog?.cancel();
    this.watchdog = null;
    this.membership = null;
    this.releaseLock();
  }

  /**
   * This node's own overload went unsolved: wait before starting another ISP,
   * twice as long after each further failure (up to maxBackoff), so an
   * over-capacity datacenter is not flooded with ISPs that cannot succeed.
   */
  private ownIspEnded(outcome: IspOutcome): void {
    const { backoff, maxBackoff } = this.env.options;
    this.retryDelay = outcome === "solved" ? 0 : this.retryDelay === 0 ? backoff : Math.min(2 * this.retryDelay, maxBackoff);
    this.retryAt = this.retryDelay === 0 ? -Infinity : this.rt.now() + this.retryDelay;
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
