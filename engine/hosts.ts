/** Hosts, VMs and roles: the nouns every testbed and action shares. */

/** A machine the engine can reach: a physical node, a VM, or a gateway. */
export interface Host {
  /** Stable name, unique in a run (e.g. "node-12", "paravance-3.rennes.grid5000.fr", "vm-0042"). */
  readonly name: string;
  /** Address to connect to (IP or DNS name). Simulated hosts use their name. */
  readonly address: string;
  readonly user?: string;
  readonly port?: number;
  /** Path of the private key file (never its content: keys are never archived). */
  readonly keyFile?: string;
  /** Gateway to jump through, as on Grid'5000's access host. */
  readonly jump?: Host;
  /** Free-form labels: site, cluster, role, namespace... */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Capacities of a physical machine, in the units schedulers reason in. */
export interface NodeCapacity {
  /** CPU capacity in cores (one core = 100 % of one vCPU). */
  readonly cores: number;
  readonly memoryMiB: number;
}

export interface Node extends Host {
  readonly capacity: NodeCapacity;
}

export interface Vm extends Host {
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Name of the node hosting the VM when it was booted (placement changes with migrations). */
  readonly node: string;
  /** MAC address, where the testbed gives one (g5k-subnets rule: 00:16:3e + last three IP octets). */
  readonly mac?: string;
}

/** A named group of hosts (an array that knows its role's name, for journals). */
export type RoleHosts<H extends Host = Host> = readonly H[] & { readonly role: string };

/** Named groups of hosts, as Execo's and EnOSlib's roles: declared with the reservation (see engine/roles.ts). */
export type Roles<H extends Host = Host, K extends string = string> = { readonly [R in K]: RoleHosts<H> };
