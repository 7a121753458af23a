/** The process layer: commands on hosts as composable actions, run locally, over pooled SSH, down a relay tree or by taktuk. */
export type * from "./types.ts";
export { shellQuote, remoteCommand } from "./quote.ts";
export { substitute, resolveArgv } from "./substitute.ts";
export { report } from "./result.ts";
export { LocalRunner, LOCALHOST } from "./local.ts";
export { SshPool, type SshPoolOptions } from "./ssh/pool.ts";
export { SshRunner } from "./ssh/runner.ts";
export { DEFAULT_HOST_KEY_POLICY, type HostKeyPolicy } from "./ssh/hostkeys.ts";
export { remote, local, parallel, sequence, type RemoteOptions, type SequenceOptions } from "./action.ts";
export { TreeRunner, RELAY_PROGRAM, type TreeOptions, type RelayLossPolicy } from "./tree/runner.ts";
export { buildForest, defaultArity, type TreeNode } from "./tree/plan.ts";
export { broadcastFile, sha256File, type BroadcastOptions, type BroadcastReport } from "./broadcast/broadcast.ts";
export { TaktukRunner, type TaktukOptions } from "./taktuk/runner.ts";
