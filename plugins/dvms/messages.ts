import type { IspGoal, IspOutcome, IspToken, NodeView, PartitionState } from "./partition.ts";

/** A partition as a member knows it: announced by a leader about to solve, or as the member joined. */
export interface PartitionUpdate {
  readonly id: string;
  readonly initiator: string;
  readonly goal: IspGoal;
  readonly leader: string;
  readonly nodes: readonly string[];
  readonly version: number;
  readonly state: PartitionState;
  readonly hops: number;
  /** ISPs absorbed by merging: their members take this update as their new partition. */
  readonly merged: readonly string[];
}

/**
 * Agent-to-agent messages of the ISP protocol (docs/dvms.md). Plain JSON
 * values, so the TCP runtime ships them as they are.
 */
export type DvmsMessage =
  /** Hands the token to a candidate (join, shortcut or return to the initiator). */
  | { readonly type: "isp"; readonly token: IspToken }
  /** The receiver of an `isp` took responsibility for it (else the sender suspects it dead). */
  | { readonly type: "isp-ack"; readonly id: string }
  /** Candidate (or a member silent for partitionTimeout) -> initiator: is this partition still alive? */
  | { readonly type: "check"; readonly id: string }
  | { readonly type: "check-reply"; readonly id: string; readonly valid: boolean }
  /** Leader -> members: membership and version; sent when the leader starts working on a solve (or after a merge), re-announced while it works. */
  /** `collect`: the leader is about to solve and wants the members' views in their acks. */
  | ({ readonly type: "update"; readonly collect: boolean } & PartitionUpdate)
  /** Member -> leader: alive, with a fresh local view when the update asked for it. */
  | { readonly type: "ack"; readonly id: string; readonly version: number; readonly view: NodeView | null }
  /** Reply to an update from a node that is not (any more) a member. */
  | { readonly type: "left"; readonly id: string }
  | { readonly type: "dissolve"; readonly id: string; readonly outcome: IspOutcome };

export type DvmsMessageType = DvmsMessage["type"];

const TYPES: ReadonlySet<string> = new Set<DvmsMessageType>([
  "isp",
  "isp-ack",
  "check",
  "check-reply",
  "update",
  "ack",
  "left",
  "dissolve",
]);

/** Narrows what arrives from the network; anything else is dropped by the agent. */
export function isDvmsMessage(value: unknown): value is DvmsMessage {
  if (typeof value !== "object" || value === null) return false;
  const { type } = value as { type?: unknown };
  return typeof type === "string" && TYPES.has(type);
}
