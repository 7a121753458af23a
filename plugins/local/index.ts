/** The local real testbed: namespaces as nodes, real sshd, libvirtd, qemu guests and live migrations (docs/testbeds.md). */
import type { TestbedPlugin } from "../../engine/testbed.ts";
import { parseLocalOptions } from "./options.ts";
import { setupLocalTestbed } from "./setup.ts";
import { LocalTestbed } from "./testbed.ts";
import { teardownLocalTestbed } from "./teardown.ts";
import { setupOar, teardownOar } from "./oar/server.ts";

export { setupLocalTestbed, LOCAL_PACKAGES, type LocalSetup } from "./setup.ts";
export { teardownLocalTestbed, listLocalLeftovers, isLocalClean, type LocalLeftovers } from "./teardown.ts";
export { LocalTestbed } from "./testbed.ts";
export { parseLocalOptions, type LocalOptions } from "./options.ts";
// Nodes as namespaces (sshd + libvirtd), for harnesses that stand in for remote machines (g5k stand-in, ssh tests).
export { createNodePool, deployNodes, destroyNodes, vmBridgeName, vmLinkName, type LocalNode, type LocalNodes } from "./node/deploy.ts";
export { attachBareNode, attachNode, NODE_UPLINK } from "./node/vmnet.ts";
export { findProcesses } from "./netns/index.ts";
export { reserveNodes, releaseReservation, type Reservation } from "./reservations.ts";
export { createHostPool, type HostPool } from "./netns/index.ts";

export const localTestbed: TestbedPlugin = {
  name: "local",
  description: "Local real testbed: network namespaces as nodes (sshd + libvirtd each), qemu guests, real live migrations",
  create: (init) => new LocalTestbed(init, parseLocalOptions(init.options)),
  validateOptions: (options) => void parseLocalOptions(options),
  setupExtras: ["oar"],
  setup: async (log, extras) => {
    await setupLocalTestbed(log);
    if (extras?.oar) await setupOar(log);
  },
  // --oar removes the OAR server and its nodes only: runs' leftovers are plain `down local`'s
  teardown: async (log, extras) => (extras?.oar ? teardownOar(log) : void (await teardownLocalTestbed(log))),
};
