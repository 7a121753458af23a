/**
 * The real OAR 2.5.9 of the local testbed (testbed setup local --oar):
 * reservations through its REST API, sweeps spread over OAR worker jobs,
 * and its removal. One file, in order: the server is shared by the cases.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT } from "../engine/cli-helpers.ts";

const cli = (args: readonly string[]) => execa("node", [BIN, ...args], { reject: false, cwd: ROOT, env: { CI: "1" } });
const HEADLINE = ["run", "workflows/dvms-vs-entropy.ts", "--param", "scales=100,200,300,400", "--param", "duration=20m", "--seed", "7", "--json"];

/** A results folder the OAR job user can reach (workers write into the archive). */
function results(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `g5k-oar-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

const runDir = (dir: string): string => join(dir, readdirSync(dir)[0]!);
const journal = (dir: string): Record<string, unknown>[] => readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
/** How many times each point was completed, over every process's journal lines. */
function doneCounts(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of journal(dir)) if (e.event === "point-end" && e.status === "done") counts.set(String(e.point), (counts.get(String(e.point)) ?? 0) + 1);
  return counts;
}

/** oarstat's view of one job (as root, on the server). */
async function oarJob(id: number): Promise<{ state: string; name: string }> {
  const r = await execa("oarstat", ["-fJj", String(id)]);
  const job = (JSON.parse(r.stdout) as Record<string, { state: string; name: string }>)[String(id)]!;
  return { state: job.state, name: job.name };
}

describe("real OAR on the local testbed", { timeout: 600_000 }, () => {
  let single: Record<string, unknown>;

  /** The run succeeded with the single process's summary, every one of the 12 points done exactly once; returns its archive. */
  function expectSameAsSingle(r: { exitCode?: number; stdout: string; stderr: string }, out: string): string {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary).toEqual(single);
    const dir = runDir(out);
    const counts = doneCounts(dir);
    expect(counts.size).toBe(12);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    return dir;
  }

  beforeAll(async () => {
    const setup = await cli(["testbed", "setup", "local", "--oar"]);
    expect(setup.exitCode, setup.stderr).toBe(0);
    const one = await cli([...HEADLINE, "--results", results("single")]);
    expect(one.exitCode, one.stderr).toBe(0);
    single = JSON.parse(one.stdout).summary;
  }, 900_000);

  it("reserves through a real OAR job, and release terminates it", async () => {
    const r = await cli(["run", "test/oar/fixtures/oar-reserve.ts", "--testbed", "local", "--testbed-opt", "reservation=oar", "--testbed-opt", "oarProperties=host != 'oarn-h0'", "--results", results("reserve"), "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout).summary as { nodes: number; oarJob: number; oarNodes: string[] };
    expect(summary.nodes).toBe(2);
    expect(summary.oarJob).toBeGreaterThan(0);
    // the properties were OAR's to apply: node h0 (the pool's first address, .2) was not granted
    expect(summary.oarNodes.some((a) => a.endsWith(".2"))).toBe(false);
    const job = await oarJob(summary.oarJob);
    expect(job.name).toMatch(/^g5k-flow-lf\d$/);
    expect(job.state).toBe("Terminated");
  });

  it("spreads a 12-point headline sweep over 3 OAR workers: each point done once, the summary identical to one process", async () => {
    const out = results("workers");
    const r = await cli([...HEADLINE, "--workers", "oar:3", "--results", out]);
    const dir = expectSameAsSingle(r, out);
    const workers = journal(dir).filter((e) => e.event === "worker-start");
    expect(workers).toHaveLength(3);
    expect(r.stderr).toMatch(/12\/12/);
  });

  it("gives a killed worker's point to another worker: nothing lost, nothing twice", async () => {
    const out = results("kill");
    const run = cli([...HEADLINE, "--workers", "oar:3", "--results", out]);
    // wait for a claim held by a worker on a long point, then kill that worker mid-point
    let victim: { pid: number; point: string } | null = null;
    for (let i = 0; i < 1200 && !victim; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const sweeps = existsSync(out) && readdirSync(out).length > 0 ? join(runDir(out), "sweeps") : "";
      for (const sweep of sweeps && existsSync(sweeps) ? readdirSync(sweeps) : []) {
        for (const file of readdirSync(join(sweeps, sweep)).filter((f) => f.endsWith(".claim"))) {
          const owner = JSON.parse(readFileSync(join(sweeps, sweep, file), "utf8").trim() || "{}") as { pid?: number };
          const point = decodeURIComponent(file.slice(0, -".claim".length));
          // the largest scale's scheduled points last seconds: the kill lands mid-point
          if (owner.pid && point.includes("scale=400") && !point.includes("none")) victim = { pid: owner.pid, point };
        }
      }
    }
    expect(victim).not.toBeNull();
    process.kill(victim!.pid, "SIGKILL");
    const r = await run;
    const dir = expectSameAsSingle(r, out);
    const starts = journal(dir).filter((e) => e.event === "point-start" && e.point === victim!.point);
    expect(starts.length).toBe(2); // begun by the killed worker, redone by another
  });

  it("testbed down local --oar leaves nothing: no OAR or Apache process, node namespace, database cluster or job user", async () => {
    const down = await cli(["testbed", "down", "local", "--oar"]);
    expect(down.exitCode, down.stderr).toBe(0);
    const ps = await execa("ps", ["-eo", "args"]);
    expect(ps.stdout).not.toMatch(/\/usr\/lib\/oar\/|Almighty|\/usr\/sbin\/apache2/);
    expect((await execa("ip", ["netns", "list"])).stdout).not.toMatch(/^oarn-/m);
    expect((await execa("pg_lsclusters", ["-h"])).stdout).not.toContain("g5kflow-oar");
    expect((await execa("id", ["g5kflow"], { reject: false })).exitCode).not.toBe(0);
  });
});
