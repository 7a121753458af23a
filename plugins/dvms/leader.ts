import type { MigrationResult, Seconds, TimerHandle } from "../../engine/cluster.ts";
import type { AgentCore } from "./core.ts";
import { addLoad, loadOf, mayFit, NO_LOAD, observationOf } from "./goal.ts";
import type { DvmsMessage, PartitionUpdate } from "./messages.ts";
import { dropMember, ispIds, unavailable, type IspOutcome, type IspToken, type NodeView } from "./partition.ts";
import { runPlan } from "./plan-runner.ts";
import type { PartitionPlan } from "./solver.ts";

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

/** The node holding a partition's token: it grows the partition, solves it, applies the plan, ends the ISP. */
export class Leader {
  leading: Leading | null = null;

  constructor(private readonly core: AgentCore) {}

  /**
   * This node joined (or started) the partition as its leader. The members
   * hear of it only when the leader will solve (or after a merge, `tell`):
   * below the minimum size, or when the partition cannot hold its VMs in sum
   * (`mayFit`, from the token's load), the token goes on at once, and the
   * members' memberships stay as they joined (docs/dvms.md: one message per
   * member per join made a sweep of s nodes cost O(s²) messages).
   */
  lead(token: IspToken, tell = false): void {
    const { core } = this;
    const now = core.rt.now();
    const working = token.nodes.length >= core.env.options.minPartitionSize && mayFit(token.load);
    if (working || tell) this.announce(token, working);
    else core.member.setMembership(this.updateOf(token));
    if (!working) {
      this.forward(token);
      return;
    }
    const others = token.nodes.filter((n) => n !== core.self);
    this.leading = {
      token,
      phase: "collecting",
      views: new Map([[core.self, core.localView()]]),
      lastAck: new Map(others.map((n) => [n, now])),
      awaiting: new Set(others),
      ticker: core.after(core.env.options.announcePeriod, () => this.tick()),
    };
    if (others.length === 0) this.solve();
  }

  /** Offers the token to the partition's first out; with none left, the ISP has no solution. */
  forward(token: IspToken): void {
    this.stopLeading();
    const next = this.firstOut(token);
    const moved: IspToken = { ...token, updatedAt: this.core.rt.now() };
    if (next === null) this.dissolve(moved, "unsolvable", 0); // the partition holds every node it can reach
    else this.core.router.sendToken(next, moved);
  }

  private firstOut(token: IspToken): string | null {
    return this.core.env.overlay.firstOut(this.core.self, token, unavailable(token));
  }

  /** The partition as this node, leading it, tells it. */
  private updateOf(token: IspToken): PartitionUpdate {
    const { id, initiator, goal, nodes, version, state, hops, merged } = token;
    return { id, initiator, goal, leader: this.core.self, nodes, version, state, hops, merged };
  }

  /**
   * Tells the members who leads and who is in; they ack, with their fresh
   * views when `collect` (the leader is about to solve: a view is a snapshot
   * of the node and its VMs, wasted on a re-announce while applying a plan).
   * Refreshes this node's own membership. One message value for all members.
   */
  private announce(token: IspToken, collect: boolean): void {
    const update = this.updateOf(token);
    this.core.member.setMembership(update);
    const message: DvmsMessage = { type: "update", ...update, collect };
    for (const n of token.nodes) if (n !== this.core.self) this.core.send(n, message);
  }

  /** Every announcePeriod while leading: drop silent members, re-announce (docs/dvms.md, liveness). */
  private tick(): void {
    const l = this.leading;
    if (!l) return;
    const { core } = this;
    const now = core.rt.now();
    for (const [member, at] of l.lastAck) {
      if (now - at > core.env.options.memberTimeout) {
        if (!this.dropFromLeading(member)) return;
      }
    }
    this.announce(l.token, l.phase === "collecting");
    l.ticker = core.after(core.env.options.announcePeriod, () => this.tick());
  }

  /** Removes a failed member; returns false when that dissolved the partition (initiator lost). */
  private dropFromLeading(member: string): boolean {
    const l = this.leading;
    if (!l) return false;
    if (member === l.token.initiator) {
      this.dissolve(l.token, "dissolved", 0);
      return false;
    }
    l.token = dropMember(l.token, member, this.core.rt.now());
    l.views.delete(member);
    l.lastAck.delete(member);
    l.awaiting.delete(member);
    this.announce(l.token, l.phase === "collecting");
    if (l.phase === "collecting" && l.awaiting.size === 0) this.solve();
    return true;
  }

  onAck(from: string, id: string, version: number, view: NodeView | null): void {
    const l = this.leading;
    if (!l || l.token.id !== id || !l.lastAck.has(from)) return;
    l.lastAck.set(from, this.core.rt.now());
    if (version !== l.token.version || view === null) return;
    l.views.set(from, view);
    if (l.awaiting.delete(from) && l.phase === "collecting" && l.awaiting.size === 0) this.solve();
  }

  onLeft(from: string, id: string): void {
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
    const { rt, env } = this.core;
    const emptied = l.token.goal === "underload" ? l.token.initiator : null;
    let load = NO_LOAD;
    for (const [n, view] of l.views) load = addLoad(load, loadOf(view, n === emptied));
    l.token = { ...l.token, load };
    if (!mayFit(load)) return this.forward(l.token);
    l.phase = "solving";
    const solved = l.token;
    const plan = env.solve(observationOf(solved, l.views, rt.now()), solved.nodes, env.options.solverTimeLimit, rt);
    const delay = rt.computeDelay(plan.work, plan.seconds);
    env.events.computed(rt.clock === "wall" ? plan.seconds : delay);
    this.core.after(delay, () => this.decided(solved, plan));
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
    const { core } = this;
    runPlan(
      plan.actions,
      (vm, to, done) => core.rt.migrate(vm, to, (result) => core.alive() && done(result)),
      (results) => this.applied(id, results),
    );
  }

  private applied(id: string, results: readonly MigrationResult[]): void {
    const l = this.leading;
    if (!l || l.token.id !== id) return;
    for (const r of results) this.core.env.events.migrated(r);
    const ok = results.filter((r) => r.outcome === "ok").length;
    this.dissolve(l.token, ok === results.length ? "solved" : "dissolved", ok);
  }

  stopLeading(): void {
    this.leading?.ticker.cancel();
    this.leading = null;
  }

  /** Ends the ISP: members are told, the metrics get its outcome. */
  dissolve(token: IspToken, outcome: IspOutcome, migrations: number): void {
    const { core } = this;
    for (const n of token.nodes) if (n !== core.self) core.send(n, { type: "dissolve", id: token.id, outcome });
    if (this.leading?.token.id === token.id) this.stopLeading();
    if (core.member.membership?.id === token.id) core.member.leave(outcome);
    this.ended(token, outcome, migrations);
  }

  /** Ends the partition's ISP and those it absorbed by merging. */
  ended(partition: Pick<IspToken, "id" | "merged" | "nodes" | "hops">, outcome: IspOutcome, migrations: number): void {
    const end = { at: this.core.rt.now(), size: partition.nodes.length, hops: partition.hops, migrations, outcome };
    for (const id of ispIds(partition)) this.core.env.events.ispEnded(id, { ...end, mergedInto: id === partition.id ? null : partition.id });
  }
}
