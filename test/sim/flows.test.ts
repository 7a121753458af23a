import { describe, expect, it } from "vitest";
import { FlowNetwork } from "../../plugins/sim/flows.ts";
import { EventKernel } from "../../plugins/sim/kernel.ts";

const C = 100;
/** Link ids as the migration engine uses them: 2n = uplink of node n, 2n + 1 = its downlink. */
const path = (from: number, to: number): number[] => [2 * from, 2 * to + 1];

describe("FlowNetwork max-min sharing", () => {
  it("gives a flow its bottleneck share and the rest of a link to the others", () => {
    const k = new EventKernel();
    const net = new FlowNetwork(k, C);
    const ids = [path(0, 1), path(0, 2), path(0, 3), path(4, 3)].map((links) => net.start(links, 1e6, Infinity, () => undefined));
    // Uplink of node 0 carries three flows: C/3 each; node 3's downlink then leaves 2C/3 to the fourth.
    expect(ids.map((id) => net.rateOf(id))).toEqual([C / 3, C / 3, C / 3, C - C / 3]);
  });

  it("caps each flow at its own limit and lets others take the slack", () => {
    const k = new EventKernel();
    const net = new FlowNetwork(k, C);
    const slow = net.start(path(0, 1), 1e6, 10, () => undefined);
    const fast = net.start(path(0, 2), 1e6, Infinity, () => undefined);
    expect([net.rateOf(slow), net.rateOf(fast)]).toEqual([10, 90]);
  });

  it("re-rates flows as others finish, conserving bytes", () => {
    const k = new EventKernel();
    const net = new FlowNetwork(k, C);
    const ends: Record<string, number> = {};
    net.start(path(0, 1), 100, Infinity, () => (ends.small = k.now()));
    net.start(path(0, 2), 300, Infinity, () => (ends.big = k.now()));
    k.runUntil(Infinity);
    // Both at 50 until small's 100 bytes are sent (t = 2); big then has 200 left at 100/s.
    expect(ends).toEqual({ small: 2, big: 4 });
    expect(net.active).toBe(0);
  });

  it("leaves flows on unrelated links untouched", () => {
    const k = new EventKernel();
    const net = new FlowNetwork(k, C);
    const a = net.start(path(0, 1), 1e6, Infinity, () => undefined);
    net.start(path(2, 3), 1e6, Infinity, () => undefined);
    expect(net.rateOf(a)).toBe(C);
  });

  it("aborting a flow frees its share without calling it done", () => {
    const k = new EventKernel();
    const net = new FlowNetwork(k, C);
    let called = false;
    const a = net.start(path(0, 1), 1e6, Infinity, () => (called = true));
    const b = net.start(path(0, 2), 1e6, Infinity, () => undefined);
    net.abort(a);
    k.runUntil(Infinity);
    expect(called).toBe(false);
    expect(net.rateOf(b)).toBe(0);
    expect(k.now()).toBeCloseTo(1e6 / C, 9);
  });
});
