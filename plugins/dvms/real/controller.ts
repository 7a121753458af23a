import { randomInt } from "node:crypto";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentHosting, NodeState, Seconds } from "../../../engine/cluster.ts";
import type { Host } from "../../../engine/hosts.ts";
import { substitute, type HostResult } from "../../../engine/process/index.ts";
import type { StepContext } from "../../../engine/testbed.ts";
import { IspLog } from "../isp-log.ts";
import { deployAgent } from "./deploy.ts";
import { LineSocket } from "./framing.ts";
import { kindOf, type AgentEvent, type AgentToController, type ControllerToAgent, type VmSpec } from "./link.ts";

export interface ControllerSpec {
  readonly hosting: AgentHosting;
  /** The nodes to run agents on (online ones), with their capacity. */
  readonly nodes: readonly NodeState[];
  /** Every VM agents may meet on their nodes. */
  readonly vms: readonly VmSpec[];
  /** DVMS options given to every agent. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The schedule step: events journaled, agents' logs kept as `hosts/<node>/<step>.out`. */
  readonly step?: StepContext;
  /** Seconds agents get to start and answer; seconds they get to exit once told to stop. */
  readonly startTimeout?: Seconds;
  readonly stopTimeout?: Seconds;
}

/** One node's agent as the controller knows it. */
export interface AgentStatus {
  readonly node: string;
  readonly pid: number | null;
  /** The agent's network namespace as its process sees it (`/proc/self/ns/net`), e.g. `net:[4026532]`. */
  readonly netns: string | null;
  /** Null while it runs (or if it never started). */
  readonly exit: { readonly code: number | null; readonly signal: string | null; readonly clean: boolean } | null;
  /** Why it never started. */
  readonly notStarted: string | null;
}

interface Handle {
  readonly host: Host;
  readonly dir: string;
  readonly stop: AbortController;
  process: Promise<HostResult> | null;
  result: HostResult | null;
  link: LineSocket | null;
  pid: number | null;
  netns: string | null;
  rtts: Readonly<Record<string, Seconds>> | null;
  notStarted: string | null;
  stopping: boolean;
}

/** How often a tunnel to an agent's control port is tried while it starts. */
const CONNECT_RETRY_MS = 200;

/**
 * The DVMS agents' controller, and nothing more: it ships the agent (one
 * bundled file, and a Node.js runtime where the node has none) to every node,
 * starts one agent per node over SSH, gives them the overlay (ring order,
 * round-trip times the agents measured between the nodes), hears their
 * events into the journal and the ISP log, stops them and waits for them to
 * exit, and keeps their logs. Agents observe their nodes and migrate by
 * themselves: this process starts no migration.
 */
export class DvmsController {
  readonly log = new IspLog();
  /** Every event the agents sent, with the node that sent it. */
  readonly events: Array<{ readonly node: string; readonly event: AgentEvent }> = [];
  private readonly handles = new Map<string, Handle>();
  private readonly epoch = Date.now() / 1000;
  private closing: Promise<void> | null = null;

  private constructor(private readonly spec: ControllerSpec) {}

  static async launch(spec: ControllerSpec): Promise<DvmsController> {
    const controller = new DvmsController(spec);
    try {
      await controller.startAgents();
    } catch (error) {
      await controller.close();
      throw error;
    }
    return controller;
  }

  now(): Seconds {
    return Date.now() / 1000 - this.epoch;
  }

  agents(): AgentStatus[] {
    return [...this.handles].map(([node, h]) => ({
      node,
      pid: h.pid,
      netns: h.netns,
      notStarted: h.notStarted,
      exit: h.result && { code: h.result.exitCode, signal: h.result.signal, clean: h.result.status === "ok" && h.stopping },
    }));
  }

  /** Tells every agent to stop and waits for them to exit (killed past the stop timeout), then keeps their logs. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.stopAgents();
    return this.closing;
  }

  private journal(event: Readonly<Record<string, unknown>>): void {
    this.spec.step?.journal(event);
  }

  private async startAgents(): Promise<void> {
    const { hosting, nodes } = this.spec;
    const hosts = nodes.map((n) => {
      const host = hosting.nodes.find((h) => h.name === n.name);
      if (!host) throw new Error(`no host for node ${n.name}`);
      return host;
    });
    const run = `run-${Date.now().toString(36)}-${randomInt(1 << 24).toString(16)}`;
    for (const host of hosts) {
      const dir = `${substitute([hosting.workDir], host, 0)[0]}/${run}`;
      this.handles.set(host.name, { host, dir, stop: new AbortController(), process: null, result: null, link: null, pid: null, netns: null, rtts: null, notStarted: null, stopping: false });
    }
    // One port pair for the run, drawn at random: a leftover agent of an earlier run cannot hold it.
    const port = randomInt(20_000, 60_000);
    const deployed = await deployAgent(hosting, hosts, `${hosting.workDir}/${run}`, this.spec.startTimeout ?? 60);
    const limit = (this.spec.startTimeout ?? 60) * 1000;
    const deadline = Date.now() + limit;
    await Promise.all([...this.handles.values()].map(async (h) => {
      const where = deployed.get(h.host.name) ?? "not deployed";
      if (typeof where === "string") return this.notStarted(h, where);
      const argv = [where.node, where.agent, "--node", h.host.name, "--listen", h.host.address, "--port", String(port), "--control-port", String(port + 1), "--log", `${h.dir}/agent.log`];
      h.process = hosting.runner.exec(h.host, 0, { argv, killAfter: 3 }, h.stop.signal);
      void h.process.then((r) => this.exited(h, r));
      await this.connect(h, port + 1, deadline);
    }));
    const started = [...this.handles.values()].filter((h) => h.link !== null);
    if (started.length === 0) throw new Error(`no DVMS agent started: ${[...this.handles.values()].map((h) => `${h.host.name}: ${h.notStarted}`).join("; ")}`);
    // Every node is in the overlay, started or not: an agent that never came up is a dead node to the others, as in simulation.
    const peers = Object.fromEntries([...this.handles.values()].map((h) => [h.host.name, { host: h.host.address, port }]));
    for (const h of started) h.link!.send({ kind: "measure", peers } satisfies ControllerToAgent);
    const measured = Date.now() + 15_000;
    while (started.some((h) => h.rtts === null && h.result === null) && Date.now() < measured) await sleep(50);
    const rtts = this.rttMatrix();
    this.journal({ event: "dvms-overlay", nodes: Object.keys(rtts), rtts });
    for (const h of started) {
      const node = nodes.find((n) => n.name === h.host.name)!;
      h.link!.send({
        kind: "start",
        epoch: this.epoch,
        options: this.spec.options ?? {},
        node,
        rtts,
        vms: this.spec.vms,
        commands: hosting.commands,
        pollInterval: hosting.pollInterval,
        migrateTimeout: hosting.migrateTimeout,
      } satisfies ControllerToAgent);
    }
  }

  /** Round-trip times between every pair of nodes; a pair nobody measured counts as far as the farthest measured one. */
  private rttMatrix(): Record<string, Record<string, Seconds>> {
    const names = [...this.handles.keys()].sort();
    const measured = [...this.handles.values()].flatMap((h) => Object.values(h.rtts ?? {}));
    const far = measured.length > 0 ? Math.max(...measured) : 0.001;
    return Object.fromEntries(names.map((a) => [a, Object.fromEntries(names.filter((b) => b !== a).map((b) => {
      const ab = this.handles.get(a)!.rtts?.[b];
      const ba = this.handles.get(b)!.rtts?.[a];
      const known = [ab, ba].filter((x): x is number => x !== undefined);
      return [b, known.length > 0 ? Math.min(...known) : far];
    }))]));
  }

  private notStarted(h: Handle, reason: string): void {
    if (h.notStarted !== null) return;
    h.notStarted = reason;
    this.journal({ event: "dvms-agent-not-started", node: h.host.name, reason });
    this.spec.step?.log(`DVMS agent of ${h.host.name} did not start: ${reason}`);
  }

  /** The agent's control port through an SSH tunnel to its node (as through Grid'5000's access host), tried until it answers. */
  private async connect(h: Handle, port: number, deadline: number): Promise<void> {
    const { pool } = this.spec.hosting.runner;
    let why = "no answer";
    while (Date.now() < deadline && h.result === null && !this.closing) {
      const stream = await pool.connection(h.host).then(
        (conn) => new Promise<Duplex | string>((resolve) => {
          try {
            conn.client.forwardOut("127.0.0.1", 0, "127.0.0.1", port, (error, channel) => resolve(error ? error.message : channel));
          } catch (error) {
            resolve(error instanceof Error ? error.message : String(error));
          }
        }),
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (typeof stream !== "string") return this.linked(h, stream);
      why = stream;
      await sleep(CONNECT_RETRY_MS);
    }
    if (h.result === null) h.stop.abort(); // never answered: not left running
    const ended = h.result ?? (await h.process);
    this.notStarted(h, ended && ended.status !== "ok" && !this.closing ? `${ended.status}: ${(ended.stderr.trim() || ended.error || `exit ${ended.exitCode ?? ended.signal}`).split("\n")[0]}` : `its control port did not answer within ${this.spec.startTimeout ?? 60} s (${why})`);
  }

  private linked(h: Handle, stream: Duplex): void {
    h.link = new LineSocket(stream, (value) => this.onAgent(h, value as AgentToController));
  }

  private onAgent(h: Handle, message: AgentToController): void {
    const node = h.host.name;
    switch (kindOf(message)) {
      case "hello": {
        const hello = message as Extract<AgentToController, { kind: "hello" }>;
        h.pid = hello.pid;
        h.netns = hello.netns;
        this.journal({ event: "dvms-agent-started", node, pid: hello.pid, netns: hello.netns, dir: h.dir });
        return;
      }
      case "rtts":
        h.rtts = (message as Extract<AgentToController, { kind: "rtts" }>).rtts;
        return;
      case "event": {
        const { event } = message as Extract<AgentToController, { kind: "event" }>;
        this.events.push({ node, event });
        this.record(node, event);
        return;
      }
    }
  }

  private record(node: string, event: AgentEvent): void {
    const { hosting } = this.spec;
    switch (event.type) {
      case "started":
        this.log.ispStarted(event.id, event.initiator, event.goal, event.at);
        this.journal({ event: "dvms-isp-start", node, id: event.id, goal: event.goal, at: event.at });
        return;
      case "ended":
        this.log.ispEnded(event.id, event.end);
        this.journal({ event: "dvms-isp-end", node, id: event.id, ...event.end });
        return;
      case "migrating":
        hosting.migrationStarted(event.vm, event.to);
        this.journal({ event: "dvms-migration-start", node, vm: event.vm, from: event.from, to: event.to, at: event.at });
        return;
      case "migrated":
        this.log.migrated(event.result);
        hosting.migrationEnded(event.result);
        this.journal({ event: "dvms-migration", node, ...event.result });
        return;
      case "computed":
        this.log.computed(event.seconds);
        return;
      case "load":
        this.journal({ event: "dvms-load", node, overloaded: event.overloaded, demand: event.demand, at: event.at });
        return;
    }
  }

  private exited(h: Handle, result: HostResult): void {
    h.result = result;
    h.link?.close();
    if (h.stopping || h.link === null) return;
    // Killed or crashed while the run goes on: the others carry on without it.
    const why = result.signal ? `signal ${result.signal}` : `exit code ${result.exitCode}${result.status === "unreachable" ? ` (${result.error})` : ""}`;
    this.journal({ event: "dvms-agent-lost", node: h.host.name, reason: why });
    this.spec.step?.log(`DVMS agent of ${h.host.name} ended during the run: ${why}`);
  }

  private async stopAgents(): Promise<void> {
    const handles = [...this.handles.values()];
    for (const h of handles) {
      h.stopping = true;
      h.link?.send({ kind: "stop" } satisfies ControllerToAgent);
    }
    const running = handles.filter((h) => h.process !== null && h.result === null);
    const bound = sleep((this.spec.stopTimeout ?? 15) * 1000, "late");
    const outcome = await Promise.race([Promise.all(running.map((h) => h.process)).then(() => "exited"), bound]);
    if (outcome === "late") {
      const late = running.filter((h) => h.result === null);
      this.journal({ event: "dvms-agents-killed", nodes: late.map((h) => h.host.name), reason: `still running ${this.spec.stopTimeout ?? 15} s after stop` });
      for (const h of late) h.stop.abort();
      await Promise.all(late.map((h) => h.process));
    }
    for (const h of handles) h.link?.close();
    for (const h of handles) {
      if (h.result) this.journal({ event: "dvms-agent-exit", node: h.host.name, status: h.result.status, exitCode: h.result.exitCode, signal: h.result.signal });
    }
    await Promise.all(handles.map((h) => this.keepLog(h)));
  }

  /** The agent's log (its file on the node) and its stderr, into the run's `hosts/<node>/`. */
  private async keepLog(h: Handle): Promise<void> {
    const step = this.spec.step;
    if (!step || h.process === null) return;
    const read = await this.spec.hosting.runner.exec(h.host, 0, { argv: ["cat", `${h.dir}/agent.log`], timeout: 10 });
    const stderr = [h.result?.stderr ?? "", read.status === "ok" ? "" : `agent.log not read: ${read.status} ${read.stderr || read.error || ""}`].join("").trim();
    step.keepOutput(h.host.name, read.stdout, stderr);
  }
}
