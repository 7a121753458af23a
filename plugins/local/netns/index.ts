/** Local hosts as network namespaces on a bridge, each with a real sshd. */
export { createHostPool, destroyPool, type HostPool, type HostPoolOptions } from "./pool.ts";
export { listLeftovers, isClean, type Leftovers } from "./leftovers.ts";
export { findProcesses, killAll, type ProcessEntry } from "./procs.ts";
export { STATE_ROOT, SUBNET_BASE, MAX_HOSTS } from "./names.ts";
export { sh } from "./run.ts";
