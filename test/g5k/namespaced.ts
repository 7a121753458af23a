/**
 * A Grid'5000 stand-in whose nodes are real: local network namespaces, each
 * with its own sshd (standin/machines.ts: bare, reinstalled by every
 * deployment), and a namespaced sshd playing access.grid5000.fr
 * (gateway.ts): as on Grid'5000, the nodes are reachable only through it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { systemClock } from "../../plugins/g5k/index.ts";
import { buildGuestImage } from "../../plugins/libvirt/index.ts";
import { NODE_UPLINK } from "../../plugins/local/index.ts";
import { releaseReservation, reserveNodes } from "../../plugins/local/index.ts";
import { gatewayFor, type Gateway } from "./gateway.ts";
import { ReferenceTree } from "./standin/fixtures.ts";
import { bareMachines, type Machines } from "./standin/machines.ts";
import { startStandin, type Standin } from "./standin/server.ts";

export const USER = "alice";
const PASSWORD = "stand-in-password-never-logged";

export interface NamespacedG5k {
  readonly standin: Standin;
  readonly machines: Machines;
  readonly gateway: Gateway;
  /** Node FQDNs in the order the stand-in assigns them, each mapped to one namespace. */
  readonly fqdns: readonly string[];
  /** `--testbed-opt` values for a run against all this. */
  readonly options: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

const toInt = (a: string): number => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export async function namespacedG5k(count: number, site = "rennes", cluster = "paravance"): Promise<NamespacedG5k> {
  const reference = new ReferenceTree();
  // The stand-in hands out the cluster's first nodes and the site's first /22 (store.ts); nodes take the top of that /22 on the guests' network.
  const fqdns = reference.nodes(site, cluster).slice(0, count).map((uid) => `${uid}.${site}.grid5000.fr`);
  const network = (reference.site(site)?.g5ksubnet as { network: string }).network.split("/")[0]!;
  const reservation = await reserveNodes(count, 16);
  const prefix = reservation.prefix;
  const work = mkdtempSync(join(tmpdir(), "g5k-ns-"));
  const libvirtDir = join(work, "libvirt");
  const imageDir = join(work, "images");
  let machines: Machines | undefined;
  let gateway: Gateway | undefined;
  let standin: Standin | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= closeAll());
  const closeAll = async (): Promise<void> => {
    await standin?.stop();
    await gateway?.close(); // first: its link sits on the nodes' bridge
    await machines?.destroy();
    await releaseReservation(prefix);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    machines = await bareMachines(prefix, fqdns, (i) => `${toIp(toInt(network) + 1021 - i)}/22`, libvirtDir, imageDir);
    gateway = await gatewayFor(machines.pool, `${prefix}gw`, machines.pool.keyFile);
    const addresses = join(work, "addresses.json");
    writeFileSync(addresses, JSON.stringify(Object.fromEntries(fqdns.map((f) => [f, machines!.byFqdn.get(f)!.address]))));
    const credentials = join(work, "grid5000.yml");
    writeFileSync(credentials, `username: ${USER}\npassword: ${PASSWORD}\n`, { mode: 0o600 });
    // Jobs run and deployments end at once: their lifecycles are tested on the virtual clock elsewhere.
    const m = machines;
    standin = await startStandin({ clock: systemClock, users: { [USER]: PASSWORD }, timings: { waiting: 0, launching: 0, deploying: 0 }, reinstall: (nodes) => m.reinstall(nodes) });
    return {
      standin,
      machines,
      gateway,
      fqdns,
      options: {
        api: standin.apiUrl,
        credentials,
        sites: site,
        cluster,
        gateway: `root@${gateway.address}`,
        sshKey: machines.pool.keyFile,
        addresses,
        accel: "probe",
        imageDir,
        // The namespaces see this checkout: the image goes down the engine's relay tree.
        imageTransfer: "broadcast",
        libvirtDir,
        // The namespaces' default route is the controller's; the guests' network is on this interface.
        nodeInterface: NODE_UPLINK,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** For a describe block: the guest image built, a stand-in with `count` nodes up before its tests, down after them. */
export function useNamespacedG5k(count: number): () => NamespacedG5k {
  let env: NamespacedG5k | undefined;
  beforeAll(async () => {
    await buildGuestImage(() => undefined);
    env = await namespacedG5k(count);
  }, 300_000);
  afterAll(async () => {
    await env?.close();
  }, 120_000);
  return () => env!;
}
