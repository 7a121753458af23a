import type { MigrationResult, NodeState, Seconds } from "../../../engine/cluster.ts";
import type { IspEnd } from "../isp-log.ts";
import type { IspGoal } from "../partition.ts";
import type { PeerAddress } from "./tcp-network.ts";

/** What an agent reports to the controller: the DvmsEvents calls, serialized, and what it does on its node. */
export type AgentEvent =
  | { readonly type: "started"; readonly id: string; readonly initiator: string; readonly goal: IspGoal; readonly at: Seconds }
  | { readonly type: "ended"; readonly id: string; readonly end: IspEnd }
  | { readonly type: "migrated"; readonly result: MigrationResult }
  | { readonly type: "computed"; readonly seconds: Seconds }
  /** It runs `virsh migrate --live` for its partition (the process is its child, on its node). */
  | { readonly type: "migrating"; readonly vm: string; readonly from: string; readonly to: string; readonly at: Seconds; readonly pid: number | null }
  /** Its own node crossed its capacity, as its libvirtd's CPU counters show. */
  | { readonly type: "load"; readonly overloaded: boolean; readonly at: Seconds; readonly demand: number };

/** A VM agents may meet on their nodes. */
export interface VmSpec {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** Agent process -> controller. */
export type AgentToController =
  | { readonly kind: "hello"; readonly node: string; readonly pid: number; readonly netns: string | null }
  | { readonly kind: "rtts"; readonly rtts: Readonly<Record<string, Seconds>> }
  | { readonly kind: "event"; readonly event: AgentEvent };

/** Controller -> agent process. */
export type ControllerToAgent =
  /** Every agent's address: measure the round-trip time to each. */
  | { readonly kind: "measure"; readonly peers: Readonly<Record<string, PeerAddress>> }
  | {
      readonly kind: "start";
      /** Wall-clock origin (Unix seconds) shared by all agents, so their times compare. */
      readonly epoch: number;
      readonly options: Readonly<Record<string, unknown>>;
      readonly node: NodeState;
      /** Round-trip times measured between the nodes, `rtts[a][b]` seconds: the overlay's input (LBO's coordinates). */
      readonly rtts: Readonly<Record<string, Readonly<Record<string, Seconds>>>>;
      readonly vms: readonly VmSpec[];
      /** The libvirt commands of the hosting (engine/cluster.ts AgentHosting). */
      readonly commands: { readonly domstats: readonly string[]; readonly migrate: readonly string[] };
      readonly pollInterval: Seconds;
      readonly migrateTimeout: Seconds;
    }
  | { readonly kind: "stop" };

export function kindOf(value: unknown): string | undefined {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" ? kind : undefined;
}
