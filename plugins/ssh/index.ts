/** The ssh testbed: an existing cluster from a YAML inventory (docs/testbeds.md, README.md). */
import type { TestbedPlugin } from "../../engine/testbed.ts";
import { loadInventory } from "./inventory.ts";
import { parseSshOptions } from "./options.ts";
import { SshTestbed } from "./testbed.ts";

export { SshTestbed } from "./testbed.ts";
export { loadInventory, parseInventory, type Inventory, type InventoryHost } from "./inventory.ts";
export { parseSshOptions, type SshOptions } from "./options.ts";

export const sshTestbed: TestbedPlugin = {
  name: "ssh",
  description: "An existing cluster: hosts from a YAML inventory reached by SSH (jump hosts too), VMs through libvirt",
  create: (init) => {
    const options = parseSshOptions(init.options);
    return new SshTestbed(init, options, loadInventory(options.inventory));
  },
  // The inventory is read and checked here, so a bad one is answered (exit 2) before anything runs.
  validateOptions: (options) => void loadInventory(parseSshOptions(options).inventory),
};
