import type { Seconds, TimerHandle } from "../../engine/cluster.ts";

/** A kernel event handler; `payload` is the integer given when scheduling. */
export type EventHandler = (payload: number) => void;

/**
 * Discrete-event kernel: a binary min-heap on (time, sequence) so events at
 * the same instant fire in scheduling order (deterministic ties).
 *
 * Event records live in a pool of typed arrays (time, seq, payload, heap
 * position) indexed by a slot number, recycled through a free list, so the
 * hot paths (load injector, flow completions) schedule without allocating:
 * they pass a long-lived handler and an integer payload. Cancelling removes
 * the slot from the heap at once (its heap position is tracked), so
 * cancelled timers cost nothing later.
 */
export class EventKernel {
  private time: Float64Array;
  private seq: Float64Array;
  private payload: Int32Array;
  /** Index in `heap` of each slot, -1 when free. */
  private pos: Int32Array;
  /** Bumped each time a slot is freed, so stale handles cannot cancel its next use. */
  private gen: Uint32Array;
  private handlers: (EventHandler | null)[];
  private heap: Int32Array;
  private size = 0;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private nextSeq = 0;
  private clock = 0;
  /** Events fired so far. */
  executed = 0;

  constructor(initialCapacity = 1024) {
    const n = Math.max(16, initialCapacity);
    this.time = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.payload = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
    this.gen = new Uint32Array(n);
    this.handlers = new Array<EventHandler | null>(n).fill(null);
    this.heap = new Int32Array(n);
    this.freeSlots = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i;
    this.freeCount = n;
  }

  now(): Seconds {
    return this.clock;
  }

  /** Number of pending events. */
  pending(): number {
    return this.size;
  }

  /** Time of the next pending event, or Infinity. */
  peekTime(): Seconds {
    return this.size > 0 ? this.time[this.heap[0]] : Infinity;
  }

  /** Schedules `handler(payload)` at absolute time `at`; returns the slot (see `cancel`). */
  scheduleAt(at: Seconds, handler: EventHandler, payload = 0): number {
    if (!(at >= this.clock)) throw new RangeError(`cannot schedule at ${at} before now (${this.clock})`);
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount];
    this.time[slot] = at;
    this.seq[slot] = this.nextSeq++;
    this.payload[slot] = payload;
    this.handlers[slot] = handler;
    const i = this.size++;
    this.heap[i] = slot;
    this.pos[slot] = i;
    this.siftUp(i);
    return slot;
  }

  schedule(delay: Seconds, handler: EventHandler, payload = 0): number {
    return this.scheduleAt(this.clock + Math.max(0, delay), handler, payload);
  }

  /** Generation of a slot, to pair with the slot in a handle that may outlive the event. */
  generation(slot: number): number {
    return this.gen[slot];
  }

  /** Cancels a pending event; a no-op if it already fired or was cancelled (generation changed). */
  cancel(slot: number, generation: number): void {
    if (slot < 0 || this.gen[slot] !== generation || this.pos[slot] < 0) return;
    this.removeAt(this.pos[slot]);
    this.release(slot);
  }

  /** A callback timer with a handle (allocates: for scheduler-side timers, not hot paths). */
  setTimer(delay: Seconds, fire: () => void): TimerHandle {
    const slot = this.schedule(delay, fire);
    const generation = this.gen[slot];
    return { cancel: () => this.cancel(slot, generation) };
  }

  /**
   * Fires every event with time <= `until` (at most `maxEvents`, and no more
   * once `stop` returns true after an event), then sets the clock to `until`
   * if the queue holds nothing earlier. Returns the number of events fired.
   */
  runUntil(until: Seconds, maxEvents = Infinity, stop?: () => boolean): number {
    let fired = 0;
    while (fired < maxEvents) {
      if (this.size === 0 || this.time[this.heap[0]] > until) {
        if (until !== Infinity && until > this.clock) this.clock = until;
        break;
      }
      const slot = this.heap[0];
      const handler = this.handlers[slot] as EventHandler;
      const payload = this.payload[slot];
      this.clock = this.time[slot];
      this.removeAt(0);
      this.release(slot);
      fired++;
      this.executed++;
      handler(payload);
      if (stop !== undefined && stop()) break;
    }
    return fired;
  }

  private release(slot: number): void {
    this.handlers[slot] = null;
    this.pos[slot] = -1;
    this.gen[slot] = (this.gen[slot] + 1) >>> 0;
    this.freeSlots[this.freeCount++] = slot;
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta === tb && this.seq[a] < this.seq[b]);
  }

  private removeAt(i: number): void {
    const last = --this.size;
    if (i === last) return;
    const moved = this.heap[last];
    this.heap[i] = moved;
    this.pos[moved] = i;
    if (i > 0 && this.less(moved, this.heap[(i - 1) >> 1])) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const slot = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!this.less(slot, p)) break;
      heap[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const slot = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1], heap[child])) child++;
      const c = heap[child];
      if (!this.less(c, slot)) break;
      heap[i] = c;
      this.pos[c] = i;
      i = child;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }

  private grow(): void {
    const old = this.time.length;
    const n = old * 2;
    this.time = copy(new Float64Array(n), this.time);
    this.seq = copy(new Float64Array(n), this.seq);
    this.payload = copy(new Int32Array(n), this.payload);
    const pos = new Int32Array(n).fill(-1);
    pos.set(this.pos);
    this.pos = pos;
    this.gen = copy(new Uint32Array(n), this.gen);
    this.heap = copy(new Int32Array(n), this.heap);
    for (let i = old; i < n; i++) this.handlers.push(null);
    const free = new Int32Array(n);
    for (let i = 0; i < n - old; i++) free[i] = n - 1 - i;
    this.freeSlots = free;
    this.freeCount = n - old;
  }
}

function copy<T extends Float64Array | Int32Array | Uint32Array>(into: T, from: T): T {
  into.set(from);
  return into;
}
