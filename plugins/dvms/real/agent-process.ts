import { execFile } from "node:child_process";
import { createWriteStream, readlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { MigrationResult, Observation, Seconds } from "../../../engine/cluster.ts";
import { substitute } from "../../../engine/process/substitute.ts";
import { Agent } from "../agent.ts";
import type { DvmsEvents } from "../isp-log.ts";
import { resolveOptions } from "../options.ts";
import { makeOverlay } from "../overlays.ts";
import { loadExactSolver } from "../../entropy/index.ts";
import { partitionSolver, type PartitionSolver } from "../solver.ts";
import { LineSocket } from "./framing.ts";
import { kindOf, type AgentEvent, type AgentToController, type ControllerToAgent } from "./link.ts";
import { nodeMonitor } from "./node-monitor.ts";
import { TcpNetwork, type PeerAddress } from "./tcp-network.ts";
import { wallRuntime } from "./wall-runtime.ts";

export interface AgentProcessSpec {
  readonly node: string;
  /** The node's address: peers reach this agent there, on `port`. */
  readonly listen: string;
  readonly port: number;
  /** The controller's link, on the node's loopback (reached through an SSH tunnel to the node). */
  readonly controlPort: number;
  /** Where this agent writes what it does (gathered into the run's `hosts/<node>/`). */
  readonly logFile: string;
}

/** Runs `argv` on this node: stdout, or why it failed. */
function run(argv: readonly string[], timeout: Seconds): Promise<{ ok: boolean; stdout: string; error: string; pid: number | null }> {
  return new Promise((resolve) => {
    const child = execFile(argv[0], argv.slice(1), { timeout: timeout * 1000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, error: error ? (stderr.trim() || error.message).replace(/\s*\n\s*/g, " ") : "", pid: child.pid ?? null }),
    );
  });
}

/**
 * One DVMS agent on its node, the whole of it: the same Agent as in
 * simulation, its node observed through the node's own libvirtd every poll
 * interval, the ISP protocol over TCP with the other agents, the migrations
 * its partitions decide run from here with `virsh migrate --live`. The
 * controller only starts it, hears its events and stops it; when the
 * controller's link goes, the agent goes (it never outlives its run).
 */
export function runAgentProcess(spec: AgentProcessSpec): void {
  const logFile = createWriteStream(spec.logFile, { flags: "a" });
  const say = (line: string): void => void logFile.write(`${new Date().toISOString()} ${spec.node} ${line}\n`);
  const peerServer = createServer();
  const peers = new Map<string, PeerAddress>();
  const network = new TcpNetwork(spec.node, peerServer, peers);
  let ctl: LineSocket | null = null;
  let agent: Agent | null = null;
  let stopMonitor: (() => Promise<void>) | null = null;
  let stopping = false;

  const tell = (message: AgentToController): void => ctl?.send(message);
  const report = (event: AgentEvent): void => {
    say(JSON.stringify(event));
    tell({ kind: "event", event });
  };
  const events: DvmsEvents = {
    ispStarted: (id, initiator, goal, at) => report({ type: "started", id, initiator, goal, at }),
    ispEnded: (id, end) => report({ type: "ended", id, end }),
    migrated: (result) => report({ type: "migrated", result }),
    computed: (seconds) => report({ type: "computed", seconds }),
  };

  function start(message: Extract<ControllerToAgent, { kind: "start" }>): void {
    const options = resolveOptions(message.options);
    const now = (): Seconds => Date.now() / 1000 - message.epoch;
    const leaving = new Set<string>();
    const monitor = nodeMonitor({
      node: message.node,
      vms: message.vms,
      now,
      interval: message.pollInterval,
      leaving,
      domstats: async () => {
        const r = await run(message.commands.domstats, 10);
        if (!r.ok) say(`domstats failed: ${r.error}`);
        return r.ok ? r.stdout : null;
      },
    });
    // Where each VM of the partition is: the leader learns it from its members' views, which the solver gets.
    const where = new Map<string, string>();
    const entropy = partitionSolver(options.solver);
    const solve: PartitionSolver = (observation, nodes, limit, runtime) => {
      for (const vm of observation.vms) where.set(vm.name, vm.node);
      return entropy(observation, nodes, limit, runtime);
    };
    const self = { name: spec.node, address: spec.listen };
    const migrate = (vm: string, to: string, done: (result: MigrationResult) => void): void => {
      const from = where.get(vm) ?? "";
      const start = now();
      const source = peers.get(from)?.host;
      const destination = peers.get(to)?.host;
      const end = (outcome: MigrationResult["outcome"], reason?: string): void =>
        done({ vm, from, to, start, end: now(), downtime: 0, rounds: 0, outcome, ...(reason ? { reason } : {}) });
      if (!source || !destination) return end("rejected", `no address for ${source ? to : from || vm}`);
      const argv = substitute(message.commands.migrate, self, 0, { vm, source, destination });
      if (from === spec.node) leaving.add(vm);
      const running = run(argv, message.migrateTimeout);
      report({ type: "migrating", vm, from, to, at: start, pid: null });
      say(`runs ${argv.join(" ")}`);
      void running.then((r) => {
        leaving.delete(vm);
        void monitor.poll();
        say(`virsh migrate ${vm} ${from} -> ${to} (pid ${r.pid}): ${r.ok ? "ok" : r.error}`);
        end(r.ok ? "ok" : "failed", r.ok ? undefined : r.error);
      });
    };
    const runtime = wallRuntime({
      epoch: message.epoch,
      observe: (): Observation => monitor.latest,
      onLoadChange: (listener) => monitor.onLoadChange(listener),
      network,
      migrate,
    });
    const names = Object.keys(message.rtts).sort();
    const rtt = (a: string, b: string): Seconds => message.rtts[a]?.[b] ?? message.rtts[b]?.[a] ?? 0;
    const overlay = makeOverlay(options, names, (a, b) => rtt(a, b) / 2);
    const a = new Agent({ self: spec.node, runtime, overlay, solve, events, options });
    agent = a;
    a.attach();
    monitor.onLoadChange((_node, overloaded) => {
      const demand = monitor.latest.vms.reduce((sum, v) => sum + v.cpuDemand, 0);
      report({ type: "load", overloaded, at: now(), demand });
      a.loadChanged(overloaded);
    });
    monitor.start();
    // What the agent sees of its node, now and then, for its log.
    const seen = setInterval(() => say(`observes ${monitor.latest.vms.map((v) => `${v.name}=${v.cpuDemand.toFixed(2)}`).join(" ") || "no VM"} (${monitor.samples} polls)`), 10_000);
    stopMonitor = () => {
      clearInterval(seen);
      return monitor.stop();
    };
    // The exact solver's WebAssembly loads before the agent may solve.
    if (options.solver === "exact") void loadExactSolver().then(() => a.start());
    else a.start();
    say(`started: ${names.length} nodes, overlay ${overlay.kind}, ${message.vms.length} VMs known`);
  }

  function onControl(message: ControllerToAgent): void {
    switch (kindOf(message)) {
      case "measure": {
        const { peers: all } = message as Extract<ControllerToAgent, { kind: "measure" }>;
        for (const [name, address] of Object.entries(all)) peers.set(name, address);
        void network.measure(Object.keys(all).filter((n) => n !== spec.node)).then((rtts) => {
          say(`rtts ${JSON.stringify(rtts)}`);
          tell({ kind: "rtts", rtts });
        });
        return;
      }
      case "start":
        if (!agent) start(message as Extract<ControllerToAgent, { kind: "start" }>);
        return;
      case "stop":
        void shutdown("stopped by the controller");
        return;
    }
  }

  async function shutdown(why: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    agent?.stop();
    await stopMonitor?.();
    network.close();
    peerServer.close();
    say(`exits: ${why}`);
    ctl?.close();
    control.close();
    // Agent timers would keep the process alive: it is done once its log is on disk.
    logFile.end(() => process.exit(0));
  }

  const control: Server = createServer((socket) => {
    if (ctl) return void socket.destroy(); // one controller
    ctl = new LineSocket(socket, (value) => onControl(value as ControllerToAgent), () => void shutdown("the controller's link closed"));
    let netns: string | null = null;
    try {
      netns = readlinkSync("/proc/self/ns/net");
    } catch {
      // not Linux: no namespace to report
    }
    tell({ kind: "hello", node: spec.node, pid: process.pid, netns });
  });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));
  peerServer.listen(spec.port, spec.listen, () => {
    control.listen(spec.controlPort, "127.0.0.1", () => say(`listens on ${spec.listen}:${spec.port}, control on 127.0.0.1:${spec.controlPort} (pid ${process.pid})`));
  });
  const fail = (error: Error): void => {
    say(`cannot listen: ${error.message}`);
    process.stderr.write(`dvms agent ${spec.node}: ${error.message}\n`);
    logFile.end(() => process.exit(1));
  };
  peerServer.on("error", fail);
  control.on("error", fail);
}
