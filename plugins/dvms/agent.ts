import { AgentCore, type AgentEnv } from "./core.ts";
import { isDvmsMessage, type DvmsMessage } from "./messages.ts";

export type { AgentEnv } from "./core.ts";

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

/**
 * One DVMS node agent (docs/dvms.md): the whole protocol, written against
 * the scheduler-facing runtime only, so the simulated datacenter and the
 * TCP agents run this same code. Its roles (core.ts) hold the protocol;
 * this is what a scheduler drives: messages in, load events, its state.
 */
export class Agent {
  readonly self: string;
  private readonly core: AgentCore;

  constructor(env: AgentEnv) {
    this.self = env.self;
    this.core = new AgentCore(env);
  }

  /** Registers the message handler; monitoring starts with `start`. */
  attach(): void {
    this.core.rt.network.listen(this.self, (from, message) => {
      if (this.core.alive() && isDvmsMessage(message)) this.receive(from, message);
    });
  }

  /** Starts initiating ISPs on overload; the node takes part in others' partitions regardless. */
  start(): void {
    this.core.initiator.start();
  }

  /** No new ISPs from this node; partitions under way finish on their own. */
  stop(): void {
    this.core.initiator.stop();
  }

  /** Overload event from the runtime's load monitor (a crossing of the node's capacity). */
  loadChanged(overloaded: boolean): void {
    this.core.initiator.loadChanged(overloaded);
  }

  state(): PublicState {
    const { member, leader, merger, router } = this.core;
    if (member.membership) {
      const l = leader.leading;
      const nodes = l?.token.nodes ?? member.membership.nodes;
      return { kind: "member", id: member.membership.id, leading: l?.phase ?? null, nodes, mergeLock: merger.lock?.token.id ?? null };
    }
    if (router.pending) return { kind: "checking", id: router.pending.token.id };
    return { kind: "free" };
  }

  private receive(from: string, m: DvmsMessage): void {
    const { router, initiator, member, leader } = this.core;
    switch (m.type) {
      case "isp":
        return router.receive(from, m.token);
      case "isp-ack":
        return router.onHandoffAck(from, m.id);
      case "check":
        return initiator.onCheck(from, m.id);
      case "check-reply":
        return router.onCheckReply(m.id, m.valid);
      case "update":
        return member.onUpdate(from, m);
      case "ack":
        return leader.onAck(from, m.id, m.version, m.view);
      case "left":
        return leader.onLeft(from, m.id);
      case "dissolve":
        return member.onDissolve(m.id, m.outcome);
    }
  }
}
