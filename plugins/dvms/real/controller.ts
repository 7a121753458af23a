import { createServer, type AddressInfo, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import type { AgentPlacement, MigrationResult, NodeState, Seconds, VmState } from "../../../engine/cluster.ts";
import { IspLog } from "../isp-log.ts";
import { LineSocket } from "./framing.ts";
import { kindOf, type AgentToController, type ControllerToAgent } from "./link.ts";

export interface MigrationRequest {
  readonly vm: string;
  readonly from: string;
  readonly to: string;
  /** Node whose agent (a partition leader) asked for it. */
  readonly requester: string;
  readonly at: Seconds;
}

export interface ControllerSpec {
  readonly nodes: readonly NodeState[];
  readonly vms: readonly VmState[];
  /** DVMS options given to every agent. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Carries out a migration an agent decided (virsh on the local testbed). */
  readonly execute: (request: MigrationRequest) => Promise<MigrationResult>;
  /** Address the controller binds (and the agents too, unless `placeAgent` says otherwise). Default 127.0.0.1. */
  readonly host?: string;
  /** Where each node's agent runs (e.g. inside the node's network namespace). Default: this machine, on `host`. */
  readonly placeAgent?: (node: string) => AgentPlacement;
  /** How long agents get to start and say hello. Default 60 s. */
  readonly startTimeoutSeconds?: number;
}

const AGENT_MAIN = fileURLToPath(new URL("./agent-main.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Starts one agent process per node and is their testbed: it tells each
 * agent its peers and its VMs, pushes load changes, runs the migrations
 * they decide through `execute` and gathers their ISP events.
 */
export class DvmsController {
  readonly log = new IspLog();
  readonly requests: MigrationRequest[] = [];
  private readonly placement = new Map<string, VmState>();
  private readonly links = new Map<string, LineSocket>();
  private readonly processes: ResultPromise[] = [];
  private readonly epoch = Date.now() / 1000;
  private stderr = "";

  private constructor(
    private readonly spec: ControllerSpec,
    private readonly server: Server,
  ) {
    for (const vm of spec.vms) this.placement.set(vm.name, vm);
  }

  static async launch(spec: ControllerSpec): Promise<DvmsController> {
    const host = spec.host ?? "127.0.0.1";
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    const controller = new DvmsController(spec, server);
    try {
      await controller.startAgents(host, (server.address() as AddressInfo).port);
    } catch (error) {
      await controller.close();
      throw error;
    }
    return controller;
  }

  /** Process ids of the agents, one per node. */
  agentPids(): number[] {
    return this.processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
  }

  now(): Seconds {
    return Date.now() / 1000 - this.epoch;
  }

  /** Scripted load: sets a VM's CPU demand and tells its node's agent. */
  setVmLoad(vm: string, cpuDemand: number): void {
    const state = this.placement.get(vm);
    if (!state) throw new Error(`unknown VM ${vm}`);
    this.placement.set(vm, { ...state, cpuDemand });
    this.pushVms(state.node);
  }

  /** Measured state (a testbed's observation): replaces every VM's placement and demand, and tells the agents whose node changed. */
  observed(vms: readonly VmState[]): void {
    const before = new Map([...this.placement.values()].map((v) => [v.name, v]));
    this.placement.clear();
    for (const vm of vms) this.placement.set(vm.name, vm);
    const changed = new Set<string>();
    for (const vm of vms) {
      const old = before.get(vm.name);
      before.delete(vm.name);
      if (!old || old.node !== vm.node || old.cpuDemand !== vm.cpuDemand || old.migrating !== vm.migrating) {
        changed.add(vm.node);
        if (old) changed.add(old.node);
      }
    }
    for (const gone of before.values()) changed.add(gone.node);
    for (const node of changed) this.pushVms(node);
  }

  /** Resolves once `predicate` holds (checked every 50 ms); rejects after `timeoutSeconds`. */
  async until(predicate: () => boolean, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutSeconds} s; agents said:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops every agent and waits for their processes to exit. */
  async close(): Promise<void> {
    for (const link of this.links.values()) link.send({ kind: "stop" } satisfies ControllerToAgent);
    const exits = this.processes.map((p) => p.catch(() => undefined));
    const timeout = setTimeout(() => this.processes.forEach((p) => p.kill("SIGKILL")), 10_000);
    await Promise.all(exits);
    clearTimeout(timeout);
    for (const link of this.links.values()) link.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async startAgents(host: string, port: number): Promise<void> {
    const ports = new Map<string, number>();
    const allHello = new Promise<void>((resolve) => {
      this.server.on("connection", (socket) => {
        let node: string | null = null;
        const line: LineSocket = new LineSocket(socket, (value) => {
          const message = value as AgentToController;
          if (node === null && kindOf(message) === "hello") {
            const hello = message as Extract<AgentToController, { kind: "hello" }>;
            node = hello.node;
            this.links.set(node, line);
            ports.set(node, hello.port);
            if (ports.size === this.spec.nodes.length) resolve();
          } else if (node !== null) {
            this.onAgent(node, message);
          }
        });
      });
    });
    const place = this.spec.placeAgent ?? ((): AgentPlacement => ({ listen: host, wrap: [] }));
    let exited!: (error: Error) => void;
    const earlyExit = new Promise<never>((_, reject) => (exited = reject));
    for (const n of this.spec.nodes) {
      const { listen, wrap } = place(n.name);
      const argv = [...wrap, process.execPath, "--import", "tsx", AGENT_MAIN, "--node", n.name, "--controller", `${host}:${port}`, "--listen", listen];
      const child = execa(argv[0], argv.slice(1), {
        cwd: PROJECT_ROOT,
        stdin: "ignore",
        reject: false,
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        this.stderr += `[${n.name}] ${chunk.toString()}`;
      });
      this.processes.push(child);
      // An agent that dies before its hello fails the launch now, not at the timeout.
      void child.then((r) => {
        if (!ports.has(n.name)) exited(new Error(`agent of ${n.name} exited (${r.exitCode ?? r.signal}) before starting: ${r.shortMessage}\n${this.stderr}`));
      });
    }
    const limit = (this.spec.startTimeoutSeconds ?? 60) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`agents did not all start within ${limit / 1000} s:\n${this.stderr}`)), limit);
    });
    await Promise.race([allHello, timedOut, earlyExit]).finally(() => clearTimeout(timer));
    const peers = Object.fromEntries([...ports].map(([name, p]) => [name, { host: place(name).listen, port: p }]));
    for (const n of this.spec.nodes) {
      this.links.get(n.name)!.send({
        kind: "start",
        peers,
        epoch: this.epoch,
        options: this.spec.options ?? {},
        node: n,
        vms: this.vmsOf(n.name),
      } satisfies ControllerToAgent);
    }
  }

  private onAgent(node: string, message: AgentToController): void {
    switch (kindOf(message)) {
      case "event": {
        const { event } = message as Extract<AgentToController, { kind: "event" }>;
        if (event.type === "started") this.log.ispStarted(event.id, event.initiator, event.goal, event.at);
        else if (event.type === "ended") this.log.ispEnded(event.id, event.end);
        else if (event.type === "migrated") this.log.migrated(event.result);
        else if (event.type === "computed") this.log.computed(event.seconds);
        return;
      }
      case "migrate": {
        const { request, vm, to } = message as Extract<AgentToController, { kind: "migrate" }>;
        void this.migrate(node, request, vm, to);
        return;
      }
    }
  }

  private async migrate(requester: string, request: number, vm: string, to: string): Promise<void> {
    const state = this.placement.get(vm);
    const at = this.now();
    let result: MigrationResult;
    if (!state) {
      result = { vm, from: "", to, start: at, end: at, downtime: 0, rounds: 0, outcome: "rejected", reason: "unknown VM" };
    } else {
      const req: MigrationRequest = { vm, from: state.node, to, requester, at };
      this.requests.push(req);
      result = await this.spec.execute(req).catch(
        (error: unknown): MigrationResult => ({ vm, from: state.node, to, start: at, end: this.now(), downtime: 0, rounds: 0, outcome: "failed", reason: String(error) }),
      );
      if (result.outcome === "ok") {
        this.placement.set(vm, { ...state, node: to });
        this.pushVms(state.node);
        this.pushVms(to);
      }
    }
    this.links.get(requester)?.send({ kind: "migrated", request, result } satisfies ControllerToAgent);
  }

  private vmsOf(node: string): VmState[] {
    return [...this.placement.values()].filter((v) => v.node === node);
  }

  private pushVms(node: string): void {
    this.links.get(node)?.send({ kind: "vms", vms: this.vmsOf(node) } satisfies ControllerToAgent);
  }
}
