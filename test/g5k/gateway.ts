/**
 * A namespaced sshd playing an access gateway (access.grid5000.fr, a lab's
 * bastion) in front of a host pool's bridge. As on Grid'5000, the hosts
 * behind it are then reachable only through it: the controller's address on
 * their bridge is removed and their subnet routed nowhere, the gateway gets
 * an address there instead.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { createHostPool, type HostPool } from "../../plugins/local/index.ts";

export interface Gateway {
  readonly pool: HostPool;
  /** Where the controller reaches the gateway. */
  readonly address: string;
  close(): Promise<void>;
}

const ip = async (args: readonly string[], namespace?: string): Promise<void> => {
  await execa("ip", namespace ? ["netns", "exec", namespace, "ip", ...args] : [...args]);
};

/** `behind`: the pool to hide (its bridge and /24); `keyFile`: the key the gateway accepts besides its own. */
export async function gatewayFor(behind: HostPool, prefix: string, keyFile: string): Promise<Gateway> {
  const pool = await createHostPool({ count: 1, prefix });
  const gw = pool.hosts[0]!;
  const net = behind.subnet.replace(/\.0\/24$/, "");
  let routed = false;
  const close = async (): Promise<void> => {
    if (routed) await ip(["route", "del", "unreachable", `${net}.0/24`, "metric", "4000"]).catch(() => undefined);
    await pool.destroy(); // its link on the hidden bridge carries its prefix: removed too
  };
  try {
    await ip(["link", "add", `${prefix}-x`, "type", "veth", "peer", "name", "eth1", "netns", gw.name]);
    await ip(["link", "set", `${prefix}-x`, "master", behind.bridge, "up"]);
    await ip(["addr", "add", `${net}.250/24`, "dev", "eth1"], gw.name);
    await ip(["link", "set", "eth1", "up"], gw.name);
    await ip(["addr", "del", `${net}.1/24`, "dev", behind.bridge]);
    // Without its address the subnet would follow the default route out of the machine: refuse it here instead.
    // replace, not add: a run killed before its close() leaves this route behind for the next pool on that /24.
    await ip(["route", "replace", "unreachable", `${net}.0/24`, "metric", "4000"]);
    routed = true;
    // One key opens the gateway and the hosts, as a Grid'5000 user's key does.
    appendFileSync(join(dirname(pool.keyFile), "authorized_keys"), readFileSync(`${keyFile}.pub`));
    return { pool, address: gw.address, close };
  } catch (error) {
    await close();
    throw error;
  }
}
