import type { TimerHandle } from "../../engine/cluster.ts";
import type { AgentCore } from "./core.ts";
import type { Membership } from "./member.ts";
import { excludeNode, joinToken, type IspToken } from "./partition.ts";

/** A token sent and not yet acknowledged by its receiver. */
interface Handoff {
  readonly token: IspToken;
  readonly to: string;
  readonly timer: TimerHandle;
}

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

/**
 * Where a token goes from this node (docs/dvms.md): acknowledged handoffs,
 * a foreign token sent home or shortcut past a busy partition, and a free
 * node's validity check before it joins (tokens arriving meanwhile wait).
 */
export class Router {
  /** The token this free node asked its initiator about, before joining. */
  pending: { readonly token: IspToken; readonly timer: TimerHandle } | null = null;
  private queue: IspToken[] = [];
  private readonly handoffs = new Map<string, Handoff>();

  constructor(private readonly core: AgentCore) {}

  /** A token handed to this node: acknowledged at once, then routed. */
  receive(from: string, token: IspToken): void {
    this.core.send(from, { type: "isp-ack", id: token.id });
    this.route(token);
  }

  onHandoffAck(from: string, id: string): void {
    const h = this.handoffs.get(id);
    if (h && h.to === from) {
      h.timer.cancel();
      this.handoffs.delete(id);
    }
  }

  /** Decides what to do with a token that reached this node (docs/dvms.md); `ask`: may request a merge. */
  route(token: IspToken, ask = true): void {
    const { core } = this;
    const now = core.rt.now();
    // A token nobody touched for the partition timeout belongs to a partition whose members have left.
    if (now - token.updatedAt > core.env.options.partitionTimeout) return;
    if (token.nodes.includes(core.self)) return this.routeOwn(token);
    const mine = core.member.membership;
    if (mine) {
      // Looping between busy partitions: send it home, where it turns Blocked or dissolves.
      if (token.detour.includes(mine.id)) return this.sendToken(token.initiator, { ...token, detour: [] });
      // Only the initiator knows the partition's members and state now: it decides (merge or shortcut).
      if (mine.initiator !== core.self) return this.sendToken(mine.initiator, token);
      if (ask && core.merger.mayMerge(token, mine)) return core.merger.onMergeRequest(token, mine.id);
      return this.shortcut(token, mine);
    }
    if (this.pending) {
      this.queue.push(token);
      return;
    }
    // Free: ask the initiator whether the partition still exists before joining.
    const timer = core.after(core.env.options.handoffTimeout, () => this.checkFailed(token.id));
    this.pending = { token, timer };
    core.send(token.initiator, { type: "check", id: token.id });
  }

  /** The token came back to one of its own members. */
  private routeOwn(token: IspToken): void {
    const { core } = this;
    const { member, leader, merger } = core;
    if (member.membership?.id !== token.id) return; // this node left that partition: the token is stale
    if (core.self !== token.initiator) {
      this.sendToken(token.initiator, token);
      return;
    }
    member.touch();
    core.initiator.initiated = { id: token.id, members: new Set(token.nodes), last: token.leader };
    if (token.state === "growing") {
      const blocked: IspToken = { ...token, state: "blocked", detour: [] };
      member.setMembership({ ...member.membership!, state: "blocked" });
      leader.forward(blocked);
    } else if (merger.lock) {
      merger.merge(token, merger.lock);
    } else {
      // Blocked and back: it went round the ring and nothing could absorb the overload.
      leader.dissolve(token, "unsolvable", 0);
    }
  }

  /** A foreign token at a busy partition's initiator goes straight to the partition's first out. */
  private shortcut(token: IspToken, mine: Membership): void {
    const { core } = this;
    const initiated = core.initiator.initiated;
    const known = initiated?.id === mine.id ? initiated : { members: new Set(mine.nodes), last: core.self };
    const skip = { has: (n: string) => known.members.has(n) || token.excluded.includes(n) };
    const next = core.env.overlay.firstOut(known.last, { initiator: core.self, nodes: known.members }, skip);
    this.sendToken(next ?? token.initiator, { ...token, detour: detoured(token.detour, mine.id) });
  }

  /** Hands the token over; unacknowledged, it is routed again. */
  sendToken(to: string, token: IspToken): void {
    const sent: IspToken = { ...token, hops: token.hops + 1 };
    this.handoffs.get(token.id)?.timer.cancel();
    const timer = this.core.after(this.core.env.options.handoffTimeout, () => this.handoffFailed(token.id));
    this.handoffs.set(token.id, { token: sent, to, timer });
    this.core.send(to, { type: "isp", token: sent });
  }

  /** The receiver never acknowledged: take it for dead and route the token again without it. */
  private handoffFailed(id: string): void {
    const h = this.handoffs.get(id);
    if (!h) return;
    this.handoffs.delete(id);
    const { leader, member, self } = this.core;
    if (h.to === h.token.initiator) {
      leader.dissolve(h.token, "dissolved", 0); // the initiator is gone, so is its partition
      return;
    }
    const token = excludeNode(h.token, h.to);
    if (!token.nodes.includes(self)) this.route(token);
    else if (member.membership?.id === token.id) leader.forward(token);
  }

  /** The initiator's answer to this node's validity check (or to its probe as a member). */
  onCheckReply(id: string, valid: boolean): void {
    const { core } = this;
    if (core.member.probing(id)) return core.member.probed(valid);
    const p = this.pending;
    if (!p || p.token.id !== id) return;
    p.timer.cancel();
    this.pending = null;
    if (valid) core.leader.lead(joinToken(p.token, core.self, core.localView(), core.rt.now()));
    this.drain();
  }

  /** The initiator did not answer: it is gone, so is its partition. */
  private checkFailed(id: string): void {
    const p = this.pending;
    if (!p || p.token.id !== id) return;
    this.pending = null;
    this.core.leader.dissolve(p.token, "dissolved", 0);
    this.drain();
  }

  private drain(): void {
    while (!this.pending && this.queue.length > 0) this.route(this.queue.shift()!);
  }

  /** The node is down: tokens it held or waited on are lost with it. */
  halt(): void {
    this.pending?.timer.cancel();
    this.pending = null;
    this.queue = [];
    for (const h of this.handoffs.values()) h.timer.cancel();
    this.handoffs.clear();
  }
}
