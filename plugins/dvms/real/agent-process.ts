import { connect, createServer } from "node:net";
import type { MigrationResult } from "../../../engine/cluster.ts";
import { Agent } from "../agent.ts";
import type { DvmsEvents } from "../isp-log.ts";
import { resolveOptions } from "../options.ts";
import { makeOverlay } from "../overlays.ts";
import { loadExactSolver } from "../../entropy/index.ts";
import { partitionSolver } from "../solver.ts";
import { LineSocket } from "./framing.ts";
import { kindOf, type AgentEvent, type AgentToController, type ControllerToAgent } from "./link.ts";
import { LocalView } from "./local-view.ts";
import { TcpNetwork, type PeerAddress } from "./tcp-network.ts";
import { wallRuntime } from "./wall-runtime.ts";

export interface AgentProcessSpec {
  readonly node: string;
  readonly controller: PeerAddress;
  /** Address the agent's own server binds (loopback for tests, the node's address on a testbed). */
  readonly listenHost: string;
}

/**
 * One node agent as its own process: a TCP server for its peers, a link to
 * the controller (monitoring in, migration requests and ISP events out),
 * and the same Agent as in simulation. Exits when the controller says stop
 * or goes away.
 */
export function runAgentProcess(spec: AgentProcessSpec): void {
  const server = createServer();
  const peers = new Map<string, PeerAddress>();
  const network = new TcpNetwork(spec.node, server, peers);
  const pendingMigrations = new Map<number, (result: MigrationResult) => void>();
  let requests = 0;
  let agent: Agent | null = null;
  let view: LocalView | null = null;

  const ctl = new LineSocket(
    connect({ host: spec.controller.host, port: spec.controller.port }),
    (value) => onControl(value as ControllerToAgent),
    () => shutdown(),
  );
  const tell = (message: AgentToController): void => ctl.send(message);
  const report = (event: AgentEvent): void => tell({ kind: "event", event });
  const events: DvmsEvents = {
    ispStarted: (id, initiator, goal, at) => report({ type: "started", id, initiator, goal, at }),
    ispEnded: (id, end) => report({ type: "ended", id, end }),
    migrated: (result) => report({ type: "migrated", result }),
    computed: (seconds) => report({ type: "computed", seconds }),
  };

  function onControl(message: ControllerToAgent): void {
    switch (kindOf(message)) {
      case "start": {
        const start = message as Extract<ControllerToAgent, { kind: "start" }>;
        for (const [name, address] of Object.entries(start.peers)) peers.set(name, address);
        const options = resolveOptions(start.options);
        view = new LocalView(start.node);
        view.replace(start.vms);
        const runtime = wallRuntime({
          epoch: start.epoch,
          view,
          network,
          migrate: (vm, to, done) => {
            const request = ++requests;
            pendingMigrations.set(request, done);
            tell({ kind: "migrate", request, vm, to });
          },
        });
        const overlay = makeOverlay(options, [...peers.keys()], (a, b) => network.latency(a, b));
        const a = new Agent({ self: spec.node, runtime, overlay, solve: partitionSolver(options.solver), events, options });
        agent = a;
        a.attach();
        view.onLoadChange((_node, overloaded) => a.loadChanged(overloaded));
        // The exact solver's WebAssembly loads before the agent may solve.
        if (options.solver === "exact") void loadExactSolver().then(() => a.start());
        else a.start();
        return;
      }
      case "vms":
        view?.replace((message as Extract<ControllerToAgent, { kind: "vms" }>).vms);
        return;
      case "migrated": {
        const { request, result } = message as Extract<ControllerToAgent, { kind: "migrated" }>;
        const done = pendingMigrations.get(request);
        pendingMigrations.delete(request);
        done?.(result);
        return;
      }
      case "stop":
        shutdown();
        return;
    }
  }

  function shutdown(): void {
    agent?.stop();
    network.close();
    server.close();
    ctl.close();
    // Agent timers would keep the process alive: it is done.
    setImmediate(() => process.exit(0));
  }

  server.listen(0, spec.listenHost, () => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("agent server has no TCP port");
    tell({ kind: "hello", node: spec.node, port: address.port });
  });
}
