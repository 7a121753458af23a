import { connect, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
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
 * Latency is half the smallest RTT of the pings sent on a connection
 * (`measure`, or one when the connection opens).
 */
export class TcpNetwork implements AgentNetwork {
  private handler: ((from: string, message: unknown) => void) | null = null;
  private readonly links = new Map<string, { line: LineSocket; open: boolean; queue: Frame[] }>();
  private readonly latencies = new Map<string, Seconds>();
  private readonly incoming = new Set<LineSocket>();
  private readonly rtts = new Map<string, Seconds>();

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

  /** Round-trip times to `peers` (seconds, the least of `rounds` pings each); a peer that does not answer within `timeout` is left out. */
  async measure(peers: readonly string[], rounds = 5, timeout: Seconds = 2): Promise<Record<string, Seconds>> {
    for (let round = 0; round < rounds; round++) {
      for (const to of peers) {
        const link = to === this.self ? undefined : this.link(to);
        if (link?.open) link.line.send({ kind: "ping", sentAt: performance.now() });
      }
      await sleep(round === 0 ? timeout * 500 : 20);
    }
    await sleep(timeout * 500);
    return Object.fromEntries(peers.filter((p) => this.rtts.has(p)).map((p) => [p, this.rtts.get(p)!]));
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
          if (!isFrame(value) || value.kind !== "pong") return;
          const rtt = (performance.now() - value.sentAt) / 1000;
          this.rtts.set(to, Math.min(rtt, this.rtts.get(to) ?? Infinity));
          this.latencies.set(to, this.rtts.get(to)! / 2);
        },
        // Dropped with whatever was queued; the next send reconnects.
        () => {
          if (this.links.get(to) === link) this.links.delete(to);
        },
      ),
    };
    socket.on("connect", () => {
      link.open = true;
      link.line.send({ kind: "ping", sentAt: performance.now() });
      for (const frame of link.queue) link.line.send(frame);
      link.queue = [];
    });
    this.links.set(to, link);
    return link;
  }
}
