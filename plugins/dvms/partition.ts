import type { NodeState, Seconds, VmState } from "../../engine/cluster.ts";
import { addLoad, loadOf, type PartitionLoad } from "./goal.ts";

/** Growing: still looking for free nodes; Blocked: came back to its initiator once (docs/dvms.md). */
export type PartitionState = "growing" | "blocked";

/** What the initiator asks for: relief from an overload, or (underload option) to be emptied. */
export type IspGoal = "overload" | "underload";

/** One member's local view, sent with its ack to the leader that is about to solve. */
export interface NodeView {
  readonly node: NodeState;
  readonly vms: readonly VmState[];
}

/**
 * The ISP token: the partition travelling from leader to leader. Only its
 * holder changes it, so it is a plain value copied into every message. It
 * carries the members' summed load, not their views: views are fetched
 * fresh when a leader solves (docs/dvms.md), so a token stays a few hundred
 * bytes however large the partition and a join costs O(1) in messages.
 */
export interface IspToken {
  readonly id: string;
  readonly initiator: string;
  readonly goal: IspGoal;
  readonly leader: string;
  /** Members in join order; the initiator first. */
  readonly nodes: readonly string[];
  readonly state: PartitionState;
  readonly version: number;
  /** Token sends so far (joins, shortcuts, returns). */
  readonly hops: number;
  readonly startedAt: Seconds;
  /** When a leader last touched the token: forwarders drop tokens older than the partition timeout. */
  readonly updatedAt: Seconds;
  /** Summed demand and capacity of the members as each joined (the initiator's, then each joiner's). */
  readonly load: PartitionLoad;
  /** Nodes found unreachable on the way: never offered the token again. */
  readonly excluded: readonly string[];
  /** Foreign partitions the token was shortcut through since it last joined a node (the last 32): a repeat means a loop. */
  readonly detour: readonly string[];
  /** ISPs this partition absorbed by merging: they end when it ends. */
  readonly merged: readonly string[];
}

/**
 * solved: the plan ran; unsolvable: the partition went round the ring and came
 * back Blocked (or holds every node) with no placement found, the datacenter
 * cannot absorb this overload now; dissolved: ended by a failure (initiator
 * lost, a migration failed); timed-out: its members heard nothing for the
 * partition timeout.
 */
export type IspOutcome = "solved" | "unsolvable" | "dissolved" | "timed-out";

/** The ISPs a partition stands for: its own and those it absorbed. */
export function ispIds(partition: { readonly id: string; readonly merged: readonly string[] }): readonly string[] {
  return [partition.id, ...partition.merged];
}

export function ispId(initiator: string, seq: number): string {
  return `${initiator}#${seq}`;
}

export function newToken(id: string, initiator: string, goal: IspGoal, view: NodeView, now: Seconds): IspToken {
  return {
    id,
    initiator,
    goal,
    leader: initiator,
    nodes: [initiator],
    state: "growing",
    version: 0,
    hops: 0,
    startedAt: now,
    updatedAt: now,
    load: loadOf(view, goal === "underload"),
    excluded: [],
    detour: [],
    merged: [],
  };
}

/** `node` joins as the new leader: version + 1, its load added. */
export function joinToken(token: IspToken, node: string, view: NodeView, now: Seconds): IspToken {
  return {
    ...token,
    leader: node,
    nodes: [...token.nodes, node],
    version: token.version + 1,
    updatedAt: now,
    load: addLoad(token.load, loadOf(view, false)),
    detour: [],
  };
}

/** Drops a failed member, never offered the token again; the leader recomputes `load` from its views. */
export function dropMember(token: IspToken, node: string, now: Seconds): IspToken {
  return {
    ...token,
    nodes: token.nodes.filter((n) => n !== node),
    version: token.version + 1,
    updatedAt: now,
    excluded: token.excluded.includes(node) ? token.excluded : [...token.excluded, node],
  };
}

/**
 * `host` absorbs `guest` (two Blocked partitions, both tokens held by the
 * host's initiator): the union of nodes led by `leader`, Growing again so the
 * solver runs on the bigger partition, a version above both.
 */
export function mergeTokens(host: IspToken, guest: IspToken, leader: string, now: Seconds): IspToken {
  const nodes = [...host.nodes, ...guest.nodes.filter((n) => !host.nodes.includes(n))];
  const excluded = [...new Set([...host.excluded, ...guest.excluded])].filter((n) => !nodes.includes(n));
  return {
    ...host,
    leader,
    nodes,
    state: "growing",
    version: Math.max(host.version, guest.version) + 1,
    hops: host.hops + guest.hops,
    updatedAt: now,
    load: addLoad(host.load, guest.load),
    excluded,
    detour: [],
    merged: [...host.merged, guest.id, ...guest.merged],
  };
}

export function excludeNode(token: IspToken, node: string): IspToken {
  return token.excluded.includes(node) ? token : { ...token, excluded: [...token.excluded, node] };
}

/**
 * Nodes the overlay must skip when looking for the first out: members and
 * excluded nodes. Looked up in the arrays for the first few probes (the ring
 * usually takes the first), then in a set built once (a partition that wraps
 * the ring probes every member).
 */
export function unavailable(token: IspToken): NodeFilter {
  let probes = 0;
  let set: Set<string> | null = null;
  return {
    has: (node) => {
      if (set) return set.has(node);
      if (++probes > 4) {
        set = new Set([...token.nodes, ...token.excluded]);
        return set.has(node);
      }
      return token.nodes.includes(node) || token.excluded.includes(node);
    },
  };
}

/** Membership test an overlay skips nodes by. */
export interface NodeFilter {
  has(node: string): boolean;
}
