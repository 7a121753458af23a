import type { EventKernel } from "./kernel.ts";

interface Flow {
  readonly id: number;
  readonly links: readonly number[];
  /** Per-flow rate cap (bytes/s), e.g. the configured migration speed. */
  readonly cap: number;
  remaining: number;
  rate: number;
  /** Time `remaining` was last brought up to date. */
  updated: number;
  slot: number;
  generation: number;
  readonly done: () => void;
}

/**
 * Byte flows over shared links with max-min fair bandwidth sharing
 * (progressive filling, each flow also capped by its own rate limit).
 *
 * Event scheme: a flow progresses through its bytes at its current rate and
 * has one pending completion event. When a flow starts or ends, only the
 * flows connected to it through shared links (its component) are
 * recomputed: each one's remaining bytes are brought up to date at the old
 * rate, it gets its new share, and its completion event is rescheduled if
 * the rate changed. Flows elsewhere in the datacenter are untouched.
 */
export class FlowNetwork {
  private readonly flowsOnLink = new Map<number, Set<Flow>>();
  private readonly flows = new Map<number, Flow>();
  private nextId = 0;
  private readonly onComplete = (id: number): void => this.complete(id);

  constructor(
    private readonly kernel: EventKernel,
    /** Capacity of every link, bytes/s. */
    private readonly linkCapacity: number,
  ) {}

  /** Starts sending `bytes` (> 0) over `links`; `done` fires when the last byte arrives. */
  start(links: readonly number[], bytes: number, cap: number, done: () => void): number {
    const flow: Flow = { id: this.nextId++, links, cap, remaining: bytes, rate: 0, updated: this.kernel.now(), slot: -1, generation: 0, done };
    this.flows.set(flow.id, flow);
    for (const link of links) {
      let set = this.flowsOnLink.get(link);
      if (!set) this.flowsOnLink.set(link, (set = new Set()));
      set.add(flow);
    }
    this.reshare(links);
    return flow.id;
  }

  /** Stops a flow early (its endpoint crashed); `done` is not called. */
  abort(id: number): void {
    const flow = this.flows.get(id);
    if (!flow) return;
    this.kernel.cancel(flow.slot, flow.generation);
    this.detach(flow);
  }

  /** Current rate of a flow, bytes/s (0 if finished). */
  rateOf(id: number): number {
    return this.flows.get(id)?.rate ?? 0;
  }

  /** Summed rate of the flows crossing `link`, bytes/s. */
  linkRate(link: number): number {
    let rate = 0;
    for (const flow of this.flowsOnLink.get(link) ?? []) rate += flow.rate;
    return rate;
  }

  get active(): number {
    return this.flows.size;
  }

  private complete(id: number): void {
    const flow = this.flows.get(id) as Flow;
    flow.remaining = 0;
    this.detach(flow);
    flow.done();
  }

  private detach(flow: Flow): void {
    this.flows.delete(flow.id);
    for (const link of flow.links) {
      const set = this.flowsOnLink.get(link) as Set<Flow>;
      set.delete(flow);
      if (set.size === 0) this.flowsOnLink.delete(link);
    }
    this.reshare(flow.links);
  }

  /** Flows reachable from `links` through shared links, in a deterministic (discovery) order. */
  private component(links: readonly number[]): { flows: Flow[]; links: number[] } {
    const seenLinks = new Set<number>();
    const seenFlows = new Set<Flow>();
    const flows: Flow[] = [];
    const queue = [...links];
    while (queue.length > 0) {
      const link = queue.pop() as number;
      if (seenLinks.has(link)) continue;
      seenLinks.add(link);
      for (const flow of this.flowsOnLink.get(link) ?? []) {
        if (seenFlows.has(flow)) continue;
        seenFlows.add(flow);
        flows.push(flow);
        for (const l of flow.links) if (!seenLinks.has(l)) queue.push(l);
      }
    }
    return { flows, links: [...seenLinks] };
  }

  private reshare(changed: readonly number[]): void {
    const { flows, links } = this.component(changed);
    if (flows.length === 0) return;
    const now = this.kernel.now();
    for (const flow of flows) {
      flow.remaining = Math.max(0, flow.remaining - flow.rate * (now - flow.updated));
      flow.updated = now;
    }
    const rates = maxMinShares(flows, links, this.linkCapacity);
    for (const flow of flows) {
      const rate = rates.get(flow) as number;
      if (rate === flow.rate && flow.slot >= 0) continue;
      flow.rate = rate;
      this.kernel.cancel(flow.slot, flow.generation);
      flow.slot = this.kernel.scheduleAt(now + flow.remaining / rate, this.onComplete, flow.id);
      flow.generation = this.kernel.generation(flow.slot);
    }
  }
}

/**
 * Max-min fair rates by progressive filling: all unfrozen flows rise
 * together; a link whose remaining capacity split among its unfrozen flows
 * is the smallest freezes them at that share; flows reaching their own cap
 * freeze there.
 */
function maxMinShares(flows: readonly Flow[], links: readonly number[], capacity: number): Map<Flow, number> {
  const rates = new Map<Flow, number>();
  const left = new Map<number, number>(links.map((l) => [l, capacity]));
  const unfrozenOn = new Map<number, number>(links.map((l) => [l, 0]));
  for (const flow of flows) for (const l of flow.links) unfrozenOn.set(l, (unfrozenOn.get(l) as number) + 1);
  let unfrozen = [...flows];
  while (unfrozen.length > 0) {
    let share = Infinity;
    for (const l of links) {
      const n = unfrozenOn.get(l) as number;
      if (n > 0) share = Math.min(share, (left.get(l) as number) / n);
    }
    let minCap = Infinity;
    for (const flow of unfrozen) minCap = Math.min(minCap, flow.cap);
    const level = Math.min(share, minCap);
    const still: Flow[] = [];
    for (const flow of unfrozen) {
      const bottlenecked = flow.cap <= level || flow.links.some((l) => (left.get(l) as number) / (unfrozenOn.get(l) as number) <= level);
      if (bottlenecked) rates.set(flow, level);
      else still.push(flow);
    }
    for (const flow of unfrozen) {
      if (!rates.has(flow)) continue;
      for (const l of flow.links) {
        left.set(l, (left.get(l) as number) - level);
        unfrozenOn.set(l, (unfrozenOn.get(l) as number) - 1);
      }
    }
    unfrozen = still;
  }
  return rates;
}
