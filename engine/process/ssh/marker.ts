import { randomBytes } from "node:crypto";

/** Nonces drawn per refill: OpenSSL costs about 60 µs a call here, whatever the size (BENCHMARKS.md, bench:fanout). */
const NONCES_PER_DRAW = 256;
const NONCE_BYTES = 16;
let drawn = Buffer.alloc(0);
let used = 0;

/**
 * A fresh 128-bit random nonce in hex for one worker command (quote.ts,
 * workerLine), cut from a batch of CSPRNG bytes: each byte is used once.
 */
export function nonce(): string {
  if (used + NONCE_BYTES > drawn.length) {
    drawn = randomBytes(NONCES_PER_DRAW * NONCE_BYTES);
    used = 0;
  }
  used += NONCE_BYTES;
  return drawn.toString("hex", used - NONCE_BYTES, used);
}

/**
 * A byte stream collected until a marker appears in it, found across chunk
 * boundaries without rescanning what came before: a worker shell's output
 * ends each command with a nonce (see quote.ts, workerLine).
 */
export class MarkerScan {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private tail = Buffer.alloc(0);
  /** Offset of the marker in the stream, -1 until seen. */
  at = -1;

  constructor(private readonly marker: Buffer) {}

  push(d: Buffer): void {
    this.chunks.push(d);
    if (this.at < 0) {
      const window = Buffer.concat([this.tail, d]);
      const i = window.indexOf(this.marker);
      if (i >= 0) this.at = this.length - this.tail.length + i;
      else this.tail = window.subarray(Math.max(0, window.length - this.marker.length + 1));
    }
    this.length += d.length;
  }

  /** Everything collected so far. */
  all(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The bytes before the marker (all of them while it is not there). */
  before(): Buffer {
    const all = this.all();
    return this.at < 0 ? all : all.subarray(0, this.at);
  }

  /** The bytes after the marker ("" until it is there). */
  after(): Buffer {
    return this.at < 0 ? Buffer.alloc(0) : this.all().subarray(this.at + this.marker.length);
  }
}
