import { connect, type Server, type Socket } from "node:net";
import type { AgentNetwork, Seconds } from "../../../engine/cluster.ts";
import { LineSocket } from "./framing.ts";

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

type Frame =
  | { readonly kind: "msg"; readonly from: string; readonly message: unknown }
  | { readonly kind: "ping"; readonly sentAt: number }
  | { readonly kind: "pong"; readonly sentAt: number };

function isFrame(value: unknown): value is Frame {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === "msg" || kind === "ping" || kind === "pong";
}

/**
 * The agent network of one agent process: its own server for incoming
 * messages, one lazily opened connection per peer for outgoing ones. A
 * message to an unreachable peer is dropped, as the simulated network drops
 * messages to a crashed node; the protocol's timeouts handle the rest.
 * Latency is half the RTT of a ping sent when a connection opens.
 */
export class TcpNetwork implements AgentNetwork {
  private handler: ((from: string, message: unknown) => void) | null = null;
  private readonly links = new Map<string, { line: LineSocket; open: boolean; queue: Frame[] }>();
  private readonly latencies = new Map<string, Seconds>();
  private readonly incoming = new Set<LineSocket>();

  constructor(
    private readonly self: string,
    server: Server,
    private readonly peers: ReadonlyMap<string, PeerAddress>,
  ) {
    server.on("connection", (socket: Socket) => {
      const line: LineSocket = new LineSocket(
        socket,
        (value) => {
          if (!isFrame(value)) return line.close();
          if (value.kind === "ping") line.send({ kind: "pong", sentAt: value.sentAt });
          else if (value.kind === "msg" && typeof value.from === "string") this.handler?.(value.from, value.message);
        },
        () => this.incoming.delete(line),
      );
      this.incoming.add(line);
    });
  }

  send(from: string, to: string, message: unknown): void {
    if (from !== this.self) throw new Error(`agent ${this.self} cannot send as ${from}`);
    if (to === this.self) {
      // Never re-entrant, as on the simulated network.
      setImmediate(() => this.handler?.(from, message));
      return;
    }
    const link = this.link(to);
    const frame: Frame = { kind: "msg", from, message };
    if (!link) return;
    if (link.open) link.line.send(frame);
    else link.queue.push(frame);
  }

  listen(node: string, handler: (from: string, message: unknown) => void): void {
    if (node !== this.self) throw new Error(`agent ${this.self} cannot listen for ${node}`);
    this.handler = handler;
  }

  latency(from: string, to: string): Seconds {
    if (from === to) return 0;
    return this.latencies.get(from === this.self ? to : from) ?? 0;
  }

  close(): void {
    for (const link of this.links.values()) link.line.close();
    for (const line of this.incoming) line.close();
    this.links.clear();
  }

  private link(to: string): { line: LineSocket; open: boolean; queue: Frame[] } | undefined {
    const existing = this.links.get(to);
    if (existing) return existing;
    const address = this.peers.get(to);
    if (!address) return undefined;
    const socket = connect({ host: address.host, port: address.port });
    const link = {
      open: false,
      queue: [] as Frame[],
      line: new LineSocket(
        socket,
        (value) => {
          if (isFrame(value) && value.kind === "pong") this.latencies.set(to, (Date.now() - value.sentAt) / 2000);
        },
        // Dropped with whatever was queued; the next send reconnects.
        () => {
          if (this.links.get(to) === link) this.links.delete(to);
        },
      ),
    };
    socket.on("connect", () => {
      link.open = true;
      link.line.send({ kind: "ping", sentAt: Date.now() });
      for (const frame of link.queue) link.line.send(frame);
      link.queue = [];
    });
    this.links.set(to, link);
    return link;
  }
}
