/** Public surface of the simulated datacenter testbed (docs/simulation.md). */
import type { TestbedPlugin } from "../../engine/testbed.ts";
import { parseSimOptions } from "./options.ts";
import { SimTestbed } from "./sim-testbed.ts";

export { createSimCluster, type SimCluster, type SimClusterSpec } from "./cluster.ts";
export type { CrashSpec } from "./world.ts";

export const simTestbed: TestbedPlugin = {
  name: "sim",
  description: "Simulated datacenter: a deterministic discrete-event model of PMs, links, VMs, load injection and pre-copy live migration",
  create: (init) => new SimTestbed(init),
  validateOptions: (options) => void parseSimOptions(options),
};
