import { mkdir, rm, writeFile } from "node:fs/promises";
import type { Host } from "../../../engine/hosts.ts";
import { UsageError } from "../../../engine/errors.ts";
import { MAX_HOSTS, poolNames, SUBNET_BASE } from "./names.ts";
import { mapLimit, sh } from "./run.ts";
import { claimSubnet, releaseSubnet, subnetsOf } from "./subnet.ts";
import { generateKey } from "./keys.ts";
import { sshdConfig, sshdFiles, startSshd, waitListening, writePasswd } from "./sshd.ts";
import { listLeftovers } from "./leftovers.ts";
import { killAll, processesMentioning } from "./procs.ts";

export interface HostPoolOptions {
  readonly count: number;
  /** 2-8 chars [a-z0-9], starting with a letter; names every namespace, link and file of the pool. */
  readonly prefix: string;
  /** Parallel set-up steps (ip / ssh-keygen / sshd start). */
  readonly concurrency?: number;
}

export interface HostPool {
  readonly hosts: readonly Host[];
  /** Private key accepted by every host (as root). */
  readonly keyFile: string;
  /** known_hosts lines for every host's generated host key, keyed by address. */
  readonly knownHostsFile: string;
  readonly bridge: string;
  /** The pool's /24, e.g. "10.77.3.0/24"; the bridge holds .1. */
  readonly subnet: string;
  /** pid of each host's sshd, by host name (tests kill them to inject failures). */
  readonly sshdPids: ReadonlyMap<string, number>;
  destroy(): Promise<void>;
}

/**
 * N hosts, each a network namespace on one bridge with its own real sshd
 * (key-only root login with a generated key). Everything it creates carries
 * the prefix; destroy() removes all of it, even after a partial set-up.
 */
export async function createHostPool(opts: HostPoolOptions): Promise<HostPool> {
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_HOSTS) {
    throw new UsageError(`host pool count must be an integer in 1..${MAX_HOSTS}, got ${opts.count}`);
  }
  const names = poolNames(opts.prefix);
  const limit = opts.concurrency ?? 16;
  await destroyPool(names.prefix); // a crashed run with the same prefix
  await mkdir(names.stateDir, { recursive: true, mode: 0o700 });
  try {
    const k = await claimSubnet(names.prefix);
    const net = `${SUBNET_BASE}.${k}`;
    const keyFile = `${names.stateDir}/id_ed25519`;
    const authorized = `${names.stateDir}/authorized_keys`;
    const passwd = `${names.stateDir}/passwd`;
    await writeFile(authorized, (await generateKey(keyFile, `g5k-flow-${names.prefix}`)) + "\n");
    await writePasswd(passwd);
    await sh("ip", ["link", "add", names.bridge, "type", "bridge"]);
    await sh("ip", ["addr", "add", `${net}.1/24`, "dev", names.bridge]);
    await sh("ip", ["link", "set", names.bridge, "up"]);
    const indexes = Array.from({ length: opts.count }, (_, i) => i);
    const started = await mapLimit(indexes, limit, async (i) => {
      const ns = names.namespace(i);
      const address = `${net}.${i + 2}`;
      await sh("ip", ["netns", "add", ns]);
      await sh("ip", ["link", "add", names.veth(i), "type", "veth", "peer", "name", "eth0", "netns", ns]);
      await sh("ip", ["link", "set", names.veth(i), "master", names.bridge, "up"]);
      await sh("ip", ["netns", "exec", ns, "ip", "-batch", "-"],
        `addr add ${address}/24 dev eth0\nlink set eth0 up\nlink set lo up\n`);
      const files = sshdFiles(`${names.stateDir}/${ns}`);
      await mkdir(files.dir);
      const hostPub = await generateKey(files.hostKey, ns);
      await writeFile(files.config, sshdConfig(files, address, authorized));
      const pid = await startSshd(ns, ns, files, passwd);
      await waitListening(address, 22, 10_000);
      const host: Host = { name: ns, address, user: "root", port: 22, keyFile, labels: { netns: ns, pool: names.prefix } };
      return { host, pid, known: `${address} ${hostPub.split(" ").slice(0, 2).join(" ")}` };
    });
    const knownHostsFile = `${names.stateDir}/known_hosts`;
    await writeFile(knownHostsFile, started.map((s) => s.known).join("\n") + "\n");
    return {
      hosts: started.map((s) => s.host),
      keyFile,
      knownHostsFile,
      bridge: names.bridge,
      subnet: `${net}.0/24`,
      sshdPids: new Map(started.map((s) => [s.host.name, s.pid])),
      destroy: () => destroyPool(names.prefix),
    };
  } catch (err) {
    await destroyPool(names.prefix);
    throw err;
  }
}

/** Removes a pool's processes, namespaces, links, state and subnet claim (a crashed run's too); idempotent. */
export async function destroyPool(prefix: string): Promise<void> {
  const names = poolNames(prefix);
  const found = await listLeftovers(prefix);
  // Everything running inside the namespaces (sshd, its sessions, relays), then the sshds by path.
  const pids = new Set<number>(found.processes.map((p) => p.pid));
  for (const ns of found.namespaces) {
    const out = await sh("ip", ["netns", "pids", ns]).catch(() => "");
    for (const p of out.split("\n").filter(Boolean)) pids.add(Number(p));
  }
  await killAll([...pids]);
  for (const ns of found.namespaces) await sh("ip", ["netns", "del", ns]).catch(() => undefined);
  for (const link of (await listLeftovers(prefix)).links) {
    await sh("ip", ["link", "del", link]).catch(() => undefined);
  }
  await rm(names.stateDir, { recursive: true, force: true });
  for (const k of await subnetsOf(prefix)) await releaseSubnet(k);
  const stray = await processesMentioning(names.stateDir + "/");
  await killAll(stray.map((p) => p.pid));
}
