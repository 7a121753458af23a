import type { ClusterRuntime, Seconds, TimerHandle } from "../../engine/cluster.ts";
import type { DvmsEvents } from "./isp-log.ts";
import { Initiator } from "./initiator.ts";
import { Leader } from "./leader.ts";
import { Member } from "./member.ts";
import { Merger } from "./merge.ts";
import type { DvmsMessage } from "./messages.ts";
import type { DvmsOptions } from "./options.ts";
import type { Overlay } from "./overlay.ts";
import type { NodeView } from "./partition.ts";
import { Router } from "./routing.ts";
import type { PartitionSolver } from "./solver.ts";

/** What one agent is given: its node, the runtime it lives in, and the shared policy. */
export interface AgentEnv {
  readonly self: string;
  readonly runtime: ClusterRuntime;
  readonly overlay: Overlay;
  readonly solve: PartitionSolver;
  readonly events: DvmsEvents;
  readonly options: DvmsOptions;
}

/**
 * One node's agent as its roles see it (docs/dvms.md): each role holds its
 * own state and reaches the others through here, with the plumbing they
 * share (messages, timers that die with the node, the node's own view).
 * Callbacks only: every step is a message handler or a timer, which a
 * discrete-event kernel fires deterministically.
 */
export class AgentCore {
  readonly self: string;
  readonly rt: ClusterRuntime;
  readonly initiator = new Initiator(this);
  readonly router = new Router(this);
  readonly merger = new Merger(this);
  readonly leader = new Leader(this);
  readonly member = new Member(this);

  constructor(readonly env: AgentEnv) {
    this.self = env.self;
    this.rt = env.runtime;
  }

  isFree(): boolean {
    return this.member.membership === null && this.router.pending === null;
  }

  send(to: string, message: DvmsMessage): void {
    this.rt.network.send(this.self, to, message);
  }

  /** Timers of a crashed node do nothing: a crash loses the agent's memory. */
  after(delay: Seconds, fire: () => void): TimerHandle {
    return this.rt.setTimer(delay, () => {
      if (this.alive()) fire();
    });
  }

  alive(): boolean {
    const up = this.rt.online?.(this.self) ?? this.rt.observe([this.self]).nodes.find((n) => n.name === this.self)?.online ?? false;
    if (!up) this.halt();
    return up;
  }

  /** The node is down: it forgets everything. An ISP it initiated dies with it (docs/dvms.md). */
  private halt(): void {
    const mine = this.member.membership;
    if (mine?.initiator === this.self) this.leader.ended(mine, "dissolved", 0);
    this.merger.drop(); // the held token dies with the node: its members time out
    this.member.leave();
    this.initiator.forgetBackOff();
    this.router.halt();
    this.initiator.stopMonitoring();
  }

  localView(): NodeView {
    const obs = this.rt.observe([this.self]);
    const node = obs.nodes.find((n) => n.name === this.self);
    if (!node) throw new Error(`runtime does not know node ${this.self}`);
    return { node, vms: obs.vms.filter((v) => v.node === this.self) };
  }
}
