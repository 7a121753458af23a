import { describe, expect, it } from "vitest";
import { MarkerScan, nonce } from "../../engine/process/ssh/marker.ts";

describe("worker markers", () => {
  it("draws nonces of 32 hex digits, never the same twice across batch refills", () => {
    const drawn = Array.from({ length: 1000 }, nonce);
    expect(drawn.every((n) => /^[0-9a-f]{32}$/.test(n))).toBe(true);
    expect(new Set(drawn).size).toBe(drawn.length);
  });

  it("finds a marker split across chunks, with the bytes before and after it", () => {
    const scan = new MarkerScan(Buffer.from("abc123\n"));
    for (const part of ["out", "put ab", "c1", "23\n0\n"]) scan.push(Buffer.from(part));
    expect([scan.at, scan.before().toString(), scan.after().toString()]).toEqual([7, "output ", "0\n"]);
  });
});
