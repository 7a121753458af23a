import { describe, expect, it } from "vitest";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { RandomStream } from "../../plugins/sim/rng.ts";

describe("sim random stream", () => {
  it("draws the generator's uniforms in order across its buffer refills", () => {
    const stream = new RandomStream(xoroshiro128plus(42));
    const plain = xoroshiro128plus(42);
    for (let i = 0; i < 5000; i++) expect(stream.uniform()).toBe(uniformFloat64(plain));
  });

  it("peekIndex foretells the injector's draws (index, normal, exponential per change) and moves nothing", () => {
    const stream = new RandomStream(xoroshiro128plus(7));
    const twin = new RandomStream(xoroshiro128plus(7));
    const n = 8_000_000;
    const events = 3000;
    // even numbers of changes ahead: 3 uniforms per change, whatever the Box-Muller spare
    const aheads = [0, 2, 6, 12, 20];
    const predicted = aheads.map(() => new Float64Array(events + 16).fill(-1));
    const drawn: number[] = [];
    for (let e = 0; e < events; e++) {
      aheads.forEach((k, j) => (predicted[j][e + k] = stream.peekIndex(n, 3 * k)));
      const vm = stream.index(n);
      drawn.push(vm);
      // a twin that never peeks draws the same values
      expect(vm).toBe(twin.index(n));
      expect(stream.normal(0.6, 0.2)).toBe(twin.normal(0.6, 0.2));
      expect(stream.exponential(3)).toBe(twin.exponential(3));
    }
    aheads.forEach((k, j) => {
      for (let e = k; e < events; e++) expect(predicted[j][e]).toBe(drawn[e]);
    });
  });
});
