import { NODE_VM_BRIDGE } from "../../libvirt/index.ts";
import { sh } from "../netns/index.ts";

export const NODE_UPLINK = "vmup";

async function ip(args: readonly string[], namespace?: string): Promise<void> {
  await sh("ip", namespace ? ["netns", "exec", namespace, "ip", ...args] : args);
}

/**
 * The guests' network: one bridge in the controller (`hostBridge`) joining a
 * bridge in every node by a veth pair, so every guest sits on one L2 segment
 * and keeps its IP when it moves, as VMs on a Grid'5000 KaVLAN/subnet do.
 */
export async function createVmBridge(hostBridge: string): Promise<void> {
  await ip(["link", "add", hostBridge, "type", "bridge"]);
  await ip(["link", "set", hostBridge, "up"]);
}

/** A node's link to the guests' network (its `NODE_UPLINK`), joined to the controller's bridge; no address yet. */
async function linkNode(namespace: string, hostBridge: string, hostLink: string): Promise<void> {
  await ip(["link", "add", hostLink, "type", "veth", "peer", "name", NODE_UPLINK, "netns", namespace]);
  await ip(["link", "set", hostLink, "master", hostBridge, "up"]);
}

/**
 * A node as a bare machine has it before anyone made it a hypervisor: the
 * guests' network on a plain interface (`NODE_UPLINK`, holding `address`),
 * no bridge. Provisioning (plugins/libvirt/provision) bridges it.
 */
export async function attachBareNode(namespace: string, hostBridge: string, hostLink: string, address: string): Promise<void> {
  await linkNode(namespace, hostBridge, hostLink);
  await ip(["addr", "add", address, "dev", NODE_UPLINK], namespace);
  await ip(["link", "set", NODE_UPLINK, "up"], namespace);
}

/** Gives a node its guest bridge, joined to the controller's; `address` (CIDR) lets the node reach its guests. */
export async function attachNode(namespace: string, hostBridge: string, hostLink: string, address: string): Promise<void> {
  await linkNode(namespace, hostBridge, hostLink);
  await ip(["link", "add", NODE_VM_BRIDGE, "type", "bridge"], namespace);
  await ip(["link", "set", NODE_UPLINK, "master", NODE_VM_BRIDGE, "up"], namespace);
  await ip(["addr", "add", address, "dev", NODE_VM_BRIDGE], namespace);
  await ip(["link", "set", NODE_VM_BRIDGE, "up"], namespace);
}

export async function linkExists(name: string): Promise<boolean> {
  return sh("ip", ["link", "show", "dev", name]).then(() => true, () => false);
}
