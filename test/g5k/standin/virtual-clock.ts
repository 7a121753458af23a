import type { Clock } from "../../../plugins/g5k/index.ts";

/**
 * Virtual time shared by the client and the stand-in: sleeping advances the
 * clock at once (after letting pending I/O run), so a 20-minute OAR wait
 * takes milliseconds and every request carries a reproducible timestamp.
 */
export class VirtualClock implements Clock {
  constructor(private t = Date.UTC(2026, 10, 21, 9, 0, 0)) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.t += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
