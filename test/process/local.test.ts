import { describe, expect, it } from "vitest";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalRunner, LOCALHOST, local, parallel, remote, sequence } from "../../engine/process/index.ts";
import { UsageError } from "../../engine/errors.ts";

const runner = new LocalRunner();
const hosts = [0, 1, 2].map((i) => ({ name: `h${i}`, address: "127.0.0.1" }));

describe("local runner and actions", () => {
  it("runs per-host argv with output, exit codes and expected codes", async () => {
    const r = await remote({ argv: ["sh", "-c", 'echo "$1"; exit "$2"', "sh", "{{host}}", "{{rank}}"], expectedExit: [0, 1] }, hosts, runner).run();
    expect(r.results.map((x) => [x.host, x.stdout, x.exitCode, x.status])).toEqual([
      ["h0", "h0\n", 0, "ok"], ["h1", "h1\n", 1, "ok"], ["h2", "h2\n", 2, "failed"],
    ]);
    expect([r.started, r.ok, r.failed, r.timedOut]).toEqual([3, 2, 1, 0]);
  });

  it("times out with TERM, then KILL when TERM is ignored", async () => {
    const polite = await runner.exec(LOCALHOST, 0, { argv: ["sleep", "10"], timeout: 0.2, killAfter: 0.5 });
    expect([polite.status, polite.signal]).toEqual(["timed-out", "SIGTERM"]);
    const stubborn = await runner.exec(LOCALHOST, 0, { argv: ["sh", "-c", "trap '' TERM; sleep 10"], timeout: 0.2, killAfter: 0.3 });
    expect([stubborn.status, stubborn.signal]).toEqual(["timed-out", "SIGKILL"]);
    expect(stubborn.end - stubborn.start).toBeGreaterThanOrEqual(450);
    expect(stubborn.end - stubborn.start).toBeLessThan(5000);
  });

  it("never hands substituted values to a shell", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gf-local-"));
    const evil = `; touch ${dir}/pwned $(touch ${dir}/pwned2)`;
    const r = await local({ argv: ["echo", "{{v}}"], vars: { v: evil } }).run();
    expect(r.results[0].stdout).toBe(`${evil}\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports a missing program as unreachable and bad substitutions as UsageError", async () => {
    const r = await local({ argv: ["/nonexistent/prog"] }).run();
    expect(r.results[0].status).toBe("unreachable");
    expect(r.failed).toBe(1);
    await expect(remote({ argv: ["echo", "{{nope}}"] }, hosts, runner).run()).rejects.toThrow(UsageError);
  });

  it("composes: parallel merges, sequence stops at the first failure", async () => {
    const ok = local({ argv: ["true"] });
    const bad = local({ argv: ["false"] });
    const p = await parallel([ok, bad, ok]).run();
    expect([p.started, p.ok, p.failed]).toEqual([3, 2, 1]);
    const s = await sequence([ok, bad, ok]).run();
    expect([s.started, s.ok, s.failed]).toEqual([2, 1, 1]);
    const all = await sequence([ok, bad, ok], "all", { stopOnFailure: false }).run();
    expect(all.started).toBe(3);
  });

  it("starts nothing under an already aborted signal, and stops a running command on abort", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gf-local-"));
    const r = await runner.exec(LOCALHOST, 0, { argv: ["touch", `${dir}/started`] }, AbortSignal.abort());
    expect([r.status, r.error, r.exitCode]).toEqual(["failed", "aborted", null]);
    expect(await readdir(dir)).toEqual([]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    // exits 0 on TERM: still failed, since it was stopped
    const stopped = await runner.exec(LOCALHOST, 0, { argv: ["sh", "-c", "trap 'exit 0' TERM; sleep 10 & wait"] }, ac.signal);
    expect([stopped.status, stopped.error, stopped.exitCode]).toEqual(["failed", "aborted", 0]);
  });

  it("passes stdin and env", async () => {
    const r = await runner.exec(LOCALHOST, 0, { argv: ["sh", "-c", 'cat; printf %s "$GF"'], stdin: "in;", env: { GF: "e" } });
    expect(r.stdout).toBe("in;e");
  });
});
