import type { AgentNetwork, Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import type { EventKernel } from "./kernel.ts";
import type { Platform } from "./platform.ts";

type Handler = (from: string, message: unknown) => void;

/**
 * Messages between node agents, delivered by kernel events after the path
 * latency (two link latencies; 0 to oneself). A message is dropped when its
 * sender is down when sending or its receiver is down (or not listening)
 * when it arrives.
 */
export class SimAgentNetwork implements AgentNetwork {
  private readonly handlers: (Handler | undefined)[];
  sent = 0;
  dropped = 0;

  constructor(
    private readonly kernel: EventKernel,
    private readonly platform: Platform,
    private readonly linkLatency: Seconds,
  ) {
    this.handlers = new Array<Handler | undefined>(platform.nodeCount);
  }

  send(from: string, to: string, message: unknown): void {
    const src = this.node(from);
    const dst = this.node(to);
    this.sent++;
    if (this.platform.online[src] === 0) {
      this.dropped++;
      return;
    }
    this.kernel.schedule(this.latency(from, to), () => {
      const handler = this.handlers[dst];
      if (this.platform.online[dst] === 0 || !handler) {
        this.dropped++;
        return;
      }
      handler(from, message);
    });
  }

  listen(node: string, handler: Handler): void {
    this.handlers[this.node(node)] = handler;
  }

  latency(from: string, to: string): Seconds {
    return this.node(from) === this.node(to) ? 0 : 2 * this.linkLatency;
  }

  private node(name: string): number {
    const i = this.platform.nodeNames.index(name);
    if (i < 0) throw new UsageError(`unknown node '${name}'`);
    return i;
  }
}
