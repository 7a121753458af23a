import { UsageError } from "../../../engine/errors.ts";
import type { Constraint } from "../constraints/constraint.ts";
import type { Durations, Problem, VmStatus } from "./problem.ts";

/** VMPlaceS migration speed (125 MB/s): a migration lasts memory / speed, so its cost is weighted by memory. */
export const MIGRATION_BYTES_PER_SECOND = 125e6;
/** Duration of an action the instance gives no figure for (BtrPlace's default is one time unit). */
export const DEFAULT_ACTION_SECONDS = 1;

const MEMORY_RESOURCES = ["mem", "memory", "ram"];

/** Migration duration of a VM of `mib` MiB of memory (the default duration when it states none). */
export function memoryMigrationSeconds(mib: number): number {
  return mib > 0 ? (mib * 1048576) / MIGRATION_BYTES_PER_SECOND : DEFAULT_ACTION_SECONDS;
}

/**
 * A Problem's columns; absent statuses are all running, absent durations the
 * defaults (a migration lasts its memory at MIGRATION_BYTES_PER_SECOND,
 * every other action DEFAULT_ACTION_SECONDS). The one place a Problem is
 * put together: ProblemBuilder (instance files, element by element) and
 * observations (plugins/entropy/observation.ts, whole columns) both end here.
 */
export type ProblemColumns = Omit<Problem, "vmStatus" | "durations"> & {
  readonly vmStatus?: readonly VmStatus[];
  readonly durations?: Partial<Durations>;
};

export function assembleProblem(c: ProblemColumns): Problem {
  const vmCount = c.vms.length;
  const nodeCount = c.nodes.length;
  const memRc = c.resources.findIndex((rc) => MEMORY_RESOURCES.includes(rc.toLowerCase()));
  const d = c.durations ?? {};
  return {
    nodes: c.nodes,
    vms: c.vms,
    resources: c.resources,
    nodeOnline: c.nodeOnline,
    capacity: c.capacity,
    vmStatus: c.vmStatus ?? new Array<VmStatus>(vmCount).fill("running"),
    host: c.host,
    demand: c.demand,
    durations: {
      migrate: d.migrate ?? (memRc < 0 ? new Float64Array(vmCount).fill(DEFAULT_ACTION_SECONDS) : c.demand[memRc].map(memoryMigrationSeconds)),
      bootVm: d.bootVm ?? new Float64Array(vmCount).fill(DEFAULT_ACTION_SECONDS),
      shutdownVm: d.shutdownVm ?? new Float64Array(vmCount).fill(DEFAULT_ACTION_SECONDS),
      bootNode: d.bootNode ?? new Float64Array(nodeCount).fill(DEFAULT_ACTION_SECONDS),
      shutdownNode: d.shutdownNode ?? new Float64Array(nodeCount).fill(DEFAULT_ACTION_SECONDS),
    },
    constraints: c.constraints,
  };
}

export interface NodeSpec {
  readonly online?: boolean;
  readonly capacity: Readonly<Record<string, number>>;
  readonly bootSeconds?: number;
  readonly shutdownSeconds?: number;
}

export interface VmSpec {
  readonly status?: VmStatus;
  /** Required for running and sleeping VMs. */
  readonly host?: string;
  readonly demand: Readonly<Record<string, number>>;
  readonly migrateSeconds?: number;
  readonly bootSeconds?: number;
  readonly shutdownSeconds?: number;
}

/** Builds a Problem from string ids; constraints are added once every element is declared. */
export class ProblemBuilder {
  private readonly nodeIds = new Map<string, number>();
  private readonly vmIds = new Map<string, number>();
  private readonly nodeSpecs: NodeSpec[] = [];
  private readonly vmSpecs: VmSpec[] = [];
  private readonly resourceSet = new Set<string>();
  private readonly constraints: Constraint[] = [];

  node(id: string, spec: NodeSpec): this {
    if (this.nodeIds.has(id)) throw new UsageError(`node '${id}' declared twice`);
    this.nodeIds.set(id, this.nodeSpecs.length);
    this.nodeSpecs.push(spec);
    for (const rc of Object.keys(spec.capacity)) this.resourceSet.add(rc);
    return this;
  }

  vm(id: string, spec: VmSpec): this {
    if (this.vmIds.has(id)) throw new UsageError(`VM '${id}' declared twice`);
    this.vmIds.set(id, this.vmSpecs.length);
    this.vmSpecs.push(spec);
    for (const rc of Object.keys(spec.demand)) this.resourceSet.add(rc);
    return this;
  }

  hasNode(id: string): boolean {
    return this.nodeIds.has(id);
  }

  hasVm(id: string): boolean {
    return this.vmIds.has(id);
  }

  nodeIndex(id: string): number {
    const i = this.nodeIds.get(id);
    if (i === undefined) throw new UsageError(`unknown node '${id}'`);
    return i;
  }

  vmIndex(id: string): number {
    const i = this.vmIds.get(id);
    if (i === undefined) throw new UsageError(`unknown VM '${id}'`);
    return i;
  }

  /** Declares a resource even if no element names it (a constraint may). */
  resource(rc: string): this {
    this.resourceSet.add(rc);
    return this;
  }

  constrain(c: Constraint): this {
    this.constraints.push(c);
    return this;
  }

  build(): Problem {
    const resources = [...this.resourceSet];
    const vms = [...this.vmIds.keys()];
    const demand = resources.map((rc) => Float64Array.from(this.vmSpecs, (s) => s.demand[rc] ?? 0));
    const host = new Int32Array(vms.length).fill(-1);
    this.vmSpecs.forEach((s, v) => {
      const status = s.status ?? "running";
      if (status === "running" || status === "sleeping") {
        if (s.host === undefined) throw new UsageError(`${status} VM '${vms[v]}' has no host`);
        host[v] = this.nodeIndex(s.host);
      }
    });
    // an element's own duration where it states one, the default otherwise
    const defaults = assembleProblem({ nodes: [...this.nodeIds.keys()], vms, resources, nodeOnline: this.nodeSpecs.map((s) => s.online ?? true), capacity: resources.map((rc) => Float64Array.from(this.nodeSpecs, (s) => s.capacity[rc] ?? 0)), host, demand, vmStatus: this.vmSpecs.map((s) => s.status ?? "running"), constraints: this.constraints });
    const d = defaults.durations;
    return {
      ...defaults,
      durations: {
        migrate: Float64Array.from(this.vmSpecs, (s, v) => s.migrateSeconds ?? d.migrate[v]),
        bootVm: Float64Array.from(this.vmSpecs, (s, v) => s.bootSeconds ?? d.bootVm[v]),
        shutdownVm: Float64Array.from(this.vmSpecs, (s, v) => s.shutdownSeconds ?? d.shutdownVm[v]),
        bootNode: Float64Array.from(this.nodeSpecs, (s, n) => s.bootSeconds ?? d.bootNode[n]),
        shutdownNode: Float64Array.from(this.nodeSpecs, (s, n) => s.shutdownSeconds ?? d.shutdownNode[n]),
      },
    };
  }
}
