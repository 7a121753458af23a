import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventKernel } from "../../plugins/sim/kernel.ts";

describe("EventKernel", () => {
  it("fires in time order, ties in scheduling order", () => {
    const k = new EventKernel(2);
    const fired: string[] = [];
    const log = (label: string) => () => fired.push(`${label}@${k.now()}`);
    k.setTimer(2, log("c"));
    k.setTimer(1, log("a"));
    k.setTimer(1, log("b"));
    k.setTimer(0, log("z"));
    k.runUntil(10);
    expect(fired).toEqual(["z@0", "a@1", "b@1", "c@2"]);
    expect(k.now()).toBe(10);
  });

  it("cancels pending timers and ignores cancels of fired or recycled ones", () => {
    const k = new EventKernel(2);
    const fired: number[] = [];
    const first = k.setTimer(1, () => fired.push(1));
    const second = k.setTimer(2, () => fired.push(2));
    second.cancel();
    k.runUntil(1.5);
    expect(fired).toEqual([1]);
    // first's slot is recycled by the next timer: the stale handle must not cancel it.
    k.setTimer(1, () => fired.push(3));
    first.cancel();
    k.runUntil(5);
    expect(fired).toEqual([1, 3]);
    expect(k.pending()).toBe(0);
  });

  it("stops after maxEvents or when asked, without moving the clock past the last event", () => {
    const k = new EventKernel();
    let n = 0;
    for (let i = 1; i <= 5; i++) k.setTimer(i, () => n++);
    expect(k.runUntil(100, 2)).toBe(2);
    expect(k.now()).toBe(2);
    expect(k.runUntil(100, Infinity, () => n === 4)).toBe(2);
    expect(k.now()).toBe(4);
  });

  it("rejects events in the past", () => {
    const k = new EventKernel();
    k.runUntil(5);
    expect(() => k.scheduleAt(4, () => undefined)).toThrow(RangeError);
  });

  it("matches a sorted reference under random schedules and cancels (property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), delay: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("run" as const), dt: fc.integer({ min: 0, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const k = new EventKernel(4);
        const fired: number[] = [];
        const ref: { at: number; id: number; live: boolean }[] = [];
        const handles: { cancel(): void }[] = [];
        let id = 0;
        let refFired: number[] = [];
        const refRun = (until: number): void => {
          const due = ref.filter((e) => e.live && e.at <= until).sort((a, b) => a.at - b.at || a.id - b.id);
          for (const e of due) e.live = false;
          refFired = refFired.concat(due.map((e) => e.id));
        };
        for (const o of ops) {
          if (o.kind === "add") {
            const me = id++;
            ref.push({ at: k.now() + o.delay, id: me, live: true });
            handles.push(k.setTimer(o.delay, () => fired.push(me)));
          } else if (o.kind === "cancel" && handles.length > 0) {
            const i = o.pick % handles.length;
            handles[i].cancel();
            ref[i].live = false;
          } else if (o.kind === "run") {
            const until = k.now() + o.dt;
            k.runUntil(until);
            refRun(until);
          }
        }
        k.runUntil(Infinity);
        refRun(Infinity);
        expect(fired).toEqual(refFired);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
