import type { NodeState, Seconds, VmState } from "../../engine/cluster.ts";

/** Growing: still looking for free nodes; Blocked: came back to its initiator once (docs/dvms.md). */
export type PartitionState = "growing" | "blocked";

/** What the initiator asks for: relief from an overload, or (underload option) to be emptied. */
export type IspGoal = "overload" | "underload";

/** One member's local view, gathered as the partition grows and refreshed by acks. */
export interface NodeView {
  readonly node: NodeState;
  readonly vms: readonly VmState[];
}

/**
 * The ISP token: the partition travelling from leader to leader. Only its
 * holder changes it, so it is a plain value copied into every message.
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
  readonly views: Readonly<Record<string, NodeView>>;
  /** Nodes found unreachable on the way: never offered the token again. */
  readonly excluded: readonly string[];
  /** Foreign partitions the token was shortcut through since it last joined a node: a repeat means a loop. */
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
    views: { [initiator]: view },
    excluded: [],
    detour: [],
    merged: [],
  };
}

/** `node` joins as the new leader: version + 1, its fresh view added. */
export function joinToken(token: IspToken, node: string, view: NodeView, now: Seconds): IspToken {
  return {
    ...token,
    leader: node,
    nodes: [...token.nodes, node],
    version: token.version + 1,
    updatedAt: now,
    views: { ...token.views, [node]: view },
    detour: [],
  };
}

/** Drops a failed member; its views go and it is never offered the token again. */
export function dropMember(token: IspToken, node: string, now: Seconds): IspToken {
  const views = { ...token.views };
  delete views[node];
  return {
    ...token,
    nodes: token.nodes.filter((n) => n !== node),
    version: token.version + 1,
    updatedAt: now,
    views,
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
    views: { ...guest.views, ...host.views },
    excluded,
    detour: [],
    merged: [...host.merged, guest.id, ...guest.merged],
  };
}

export function excludeNode(token: IspToken, node: string): IspToken {
  return token.excluded.includes(node) ? token : { ...token, excluded: [...token.excluded, node] };
}

/** Nodes the overlay must skip when looking for the first out. */
export function unavailable(token: IspToken): Set<string> {
  return new Set([...token.nodes, ...token.excluded]);
}
