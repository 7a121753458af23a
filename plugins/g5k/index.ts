/** Grid'5000 testbed: OAR jobs, Kadeploy, KaVLAN and g5k-subnets through the REST API (README.md). */
import type { TestbedPlugin } from "../../engine/testbed.ts";
import { readNodeAddresses } from "./access.ts";
import { parseOptions } from "./options.ts";
import { createG5kTestbed, g5kCredentials } from "./testbed.ts";

export const g5kTestbed: TestbedPlugin = {
  name: "g5k",
  description: "Grid'5000: OAR reservations, Kadeploy deployments, KaVLAN and g5k-subnets through the REST API",
  create: (init) => createG5kTestbed(init),
  // Everything the options name is read here, credentials included, so bad input is answered (exit 2) before a run starts.
  validateOptions: (options) => {
    const parsed = parseOptions(options);
    if (parsed.addresses) readNodeAddresses(parsed.addresses);
    g5kCredentials(parsed, process.env);
  },
};

export { createG5kTestbed, G5kTestbed, splitNodes } from "./testbed.ts";
export { runJobName } from "./options.ts";
export type { G5kDeps } from "./testbed.ts";
export type { NodeVmRuntime, NodeVmRuntimeEnv, NodeVmRuntimeFactory, VmPlanEntry } from "./vms.ts";
export { planVms } from "./vms.ts";
export { G5kClient } from "./api/client.ts";
export type { ClientInit } from "./api/client.ts";
export { systemClock, defaultBackoff, pollDelay } from "../../engine/batch/clock.ts";
export type { BackoffPolicy, Clock } from "../../engine/batch/clock.ts";
export { Credentials, loadCredentials } from "./api/credentials.ts";
export { G5kApiError, formatApiError } from "./api/errors.ts";
export { checkApiUrl } from "./api/http.ts";
export { vlanHostName, vlanKind } from "./api/kavlan.ts";
export { findSlot, freeNodes } from "./api/status.ts";
export { resourceString } from "./api/jobs.ts";
export { submitAllOrNothing, findJobsByName } from "./multisite.ts";
