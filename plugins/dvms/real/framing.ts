import { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Longest frame accepted: a partition token with its members' views stays far below. */
const MAX_LINE = 16 * 1024 * 1024;

/**
 * Newline-delimited JSON over one TCP socket (or an SSH-forwarded stream to one). Malformed or oversized input
 * closes the socket: peers are our own agents, anything else is a fault.
 */
export class LineSocket {
  private buffer = "";
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    onMessage: (value: unknown) => void,
    onClose: () => void = () => {},
  ) {
    socket.setEncoding("utf8");
    if (socket instanceof Socket) socket.setNoDelay(true);
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      if (this.buffer.length > MAX_LINE) return this.close();
      let newline: number;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          return this.close();
        }
        onMessage(value);
      }
    });
    socket.on("error", () => this.close());
    socket.on("close", () => {
      this.closed = true;
      onClose();
    });
  }

  send(value: unknown): void {
    if (!this.closed) this.socket.write(`${JSON.stringify(value)}\n`);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
