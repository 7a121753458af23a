/**
 * A Grid'5000 stand-in whose nodes are real: local network namespaces, each
 * with its own sshd and libvirtd (the local testbed's node deployment), and
 * a namespaced sshd playing access.grid5000.fr (gateway.ts): as on
 * Grid'5000, the nodes are reachable only through it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../plugins/g5k/index.ts";
import { deployNodes, destroyNodes, releaseReservation, reserveNodes, type LocalNodes } from "../../plugins/local/index.ts";
import { gatewayFor, type Gateway } from "./gateway.ts";
import { ReferenceTree } from "./standin/fixtures.ts";
import { startStandin, type Standin } from "./standin/server.ts";

export const USER = "alice";
const PASSWORD = "stand-in-password-never-logged";

export interface NamespacedG5k {
  readonly standin: Standin;
  readonly nodes: LocalNodes;
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
  // The stand-in hands out the cluster's first nodes and the site's first /22 (store.ts); nodes take the top of that /22 on the guests' bridge.
  const fqdns = reference.nodes(site, cluster).slice(0, count).map((uid) => `${uid}.${site}.grid5000.fr`);
  const network = (reference.site(site)?.g5ksubnet as { network: string }).network.split("/")[0]!;
  const reservation = await reserveNodes(count, 16);
  const prefix = reservation.prefix;
  const work = mkdtempSync(join(tmpdir(), "g5k-ns-"));
  let nodes: LocalNodes | undefined;
  let gateway: Gateway | undefined;
  let standin: Standin | undefined;
  const close = async (): Promise<void> => {
    await standin?.stop();
    await gateway?.close(); // first: its link sits on the nodes' bridge
    if (nodes) await destroyNodes(nodes);
    await releaseReservation(prefix);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    nodes = await deployNodes(prefix, count, (i) => `${toIp(toInt(network) + 1021 - i)}/22`, () => undefined);
    gateway = await gatewayFor(nodes.pool, `${prefix}gw`, nodes.pool.keyFile);
    const addresses = join(work, "addresses.json");
    writeFileSync(addresses, JSON.stringify(Object.fromEntries(fqdns.map((f, i) => [f, nodes!.nodes[i]!.host.address]))));
    const credentials = join(work, "grid5000.yml");
    writeFileSync(credentials, `username: ${USER}\npassword: ${PASSWORD}\n`, { mode: 0o600 });
    // Jobs run and deployments end at once: their lifecycles are tested on the virtual clock elsewhere.
    standin = await startStandin({ clock: systemClock, users: { [USER]: PASSWORD }, timings: { waiting: 0, launching: 0, deploying: 0 } });
    return {
      standin,
      nodes,
      gateway,
      fqdns,
      options: {
        api: standin.apiUrl,
        credentials,
        sites: site,
        cluster,
        gateway: `root@${gateway.address}`,
        sshKey: nodes.pool.keyFile,
        addresses,
        accel: "probe",
        imageDir: join(work, "images"),
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
