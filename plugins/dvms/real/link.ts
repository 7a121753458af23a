import type { MigrationResult, NodeState, Seconds, VmState } from "../../../engine/cluster.ts";
import type { IspEnd } from "../isp-log.ts";
import type { IspGoal } from "../partition.ts";
import type { PeerAddress } from "./tcp-network.ts";

/** What an agent reports to the controller: the DvmsEvents calls, serialized. */
export type AgentEvent =
  | { readonly type: "started"; readonly id: string; readonly initiator: string; readonly goal: IspGoal; readonly at: Seconds }
  | { readonly type: "ended"; readonly id: string; readonly end: IspEnd }
  | { readonly type: "migrated"; readonly result: MigrationResult }
  | { readonly type: "computed"; readonly seconds: Seconds };

/** Agent process -> controller. */
export type AgentToController =
  | { readonly kind: "hello"; readonly node: string; readonly port: number }
  | { readonly kind: "migrate"; readonly request: number; readonly vm: string; readonly to: string }
  | { readonly kind: "event"; readonly event: AgentEvent };

/** Controller -> agent process. */
export type ControllerToAgent =
  | {
      readonly kind: "start";
      readonly peers: Readonly<Record<string, PeerAddress>>;
      /** Wall-clock origin (Unix seconds) shared by all agents, so their times compare. */
      readonly epoch: number;
      readonly options: Readonly<Record<string, unknown>>;
      readonly node: NodeState;
      readonly vms: readonly VmState[];
    }
  /** The node's VMs now (after a load change or a migration). */
  | { readonly kind: "vms"; readonly vms: readonly VmState[] }
  | { readonly kind: "migrated"; readonly request: number; readonly result: MigrationResult }
  | { readonly kind: "stop" };

export function kindOf(value: unknown): string | undefined {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" ? kind : undefined;
}
