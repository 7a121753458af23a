import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { SweepState, sweepFolder } from "../../engine/run/sweep-state.ts";

const startTime = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
};

function fresh(): { state: SweepState; claim: string; lock: string } {
  const state = new SweepState(mkdtempSync(join(tmpdir(), "g5k-sweep-")));
  state.declare(["a=1"], []);
  return { state, claim: join(state.dir, "a%3D1.claim"), lock: join(state.dir, "a%3D1.takeover") };
}

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill("SIGKILL")));

describe("sweep point claims", () => {
  it("leaves a point held by another live process to it, and takes it over once that process dies", async () => {
    const { state, claim } = fresh();
    const other = spawn("sleep", ["30"]);
    children.push(other);
    await sleep(50);
    writeFileSync(claim, JSON.stringify({ pid: other.pid, started: startTime(other.pid as number), nonce: "other" }));
    expect(state.state("a=1")).toBe("in-progress");
    expect(state.claim("a=1")).toBe(false);
    other.kill("SIGKILL");
    await new Promise((resolve) => other.once("exit", resolve));
    expect(state.state("a=1")).toBe("todo");
    expect(state.claim("a=1")).toBe(true);
    expect(state.holds("a=1")).toBe(true);
  });

  it("treats a claim carrying this process's pid but another nonce as dead (pid reuse)", () => {
    const { state, claim } = fresh();
    writeFileSync(claim, JSON.stringify({ pid: process.pid, started: startTime(process.pid), nonce: "an-earlier-process" }));
    expect(state.state("a=1")).toBe("todo");
    expect(state.claim("a=1")).toBe(true);
  });

  it("treats a claim whose pid lives but started at another time as dead (pid reuse)", () => {
    const { state, claim } = fresh();
    writeFileSync(claim, JSON.stringify({ pid: 1, started: "0", nonce: "x" }));
    expect(state.claim("a=1")).toBe(true);
  });

  it("treats an empty or half-written claim as held, never as free", () => {
    const { state, claim } = fresh();
    writeFileSync(claim, "");
    expect(state.state("a=1")).toBe("in-progress");
    expect(state.claim("a=1")).toBe(false);
    writeFileSync(claim, '{"pid": 12');
    expect(state.claim("a=1")).toBe(false);
  });

  it("does not take over while another taker holds the lock, but clears a lock left by a killed taker", () => {
    const { state, claim, lock } = fresh();
    writeFileSync(claim, JSON.stringify({ pid: 1, started: "0", nonce: "dead" }));
    writeFileSync(lock, "{}");
    expect(state.claim("a=1")).toBe(false);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lock, old, old);
    expect(state.claim("a=1")).toBe(true);
  });

  it("never claims a done point, and a second claim by the same process fails", () => {
    const { state } = fresh();
    expect(state.claim("a=1")).toBe(true);
    expect(state.claim("a=1")).toBe(false);
    state.done("a=1", 42);
    expect(state.claim("a=1")).toBe(false);
    expect(state.state("a=1")).toBe("done");
    expect(state.output("a=1")).toBe(42);
  });

  it("names sweep folders reversibly, never as . or ..", () => {
    for (const name of ["grid", "a b", "a_b", "x/y", "..", "."]) {
      const folder = sweepFolder(name);
      expect(folder).not.toMatch(/^\.\.?$/);
      expect(folder).not.toContain("/");
      expect(decodeURIComponent(folder)).toBe(name);
    }
    expect(sweepFolder("a b")).not.toBe(sweepFolder("a_b"));
  });
});
