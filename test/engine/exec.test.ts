import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runToy } from "./cli-helpers.ts";

const EXEC = join(ROOT, "test/engine/fixtures/exec-workflow.ts");

const runExec = (params: string[]) => runToy(EXEC, params);

describe("x.exec: commands on hosts under a failure policy", () => {
  it("runs the command on every host with per-host substitution and keeps each output", async () => {
    const { result, dir, journal } = await runExec([]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).summary).toEqual({ ok: 5, failed: 0, excluded: [] });
    expect(readFileSync(join(dir, "hosts/toy-3/hello.out"), "utf8")).toBe("hello from toy-3 rank 3\n");
    expect(journal.filter((e) => e.event === "host" && e.status === "ok")).toHaveLength(5);
  });

  it("fails the step cleanly under 'all' when one host fails, naming it", async () => {
    const { result, journal } = await runExec(["failOn=toy-2"]);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).error).toBe("4 of 5 hosts succeeded, 5 required; failed: toy-2 (failed (exit 3))");
    expect(journal.find((e) => e.event === "step-end" && e.step === "hello")).toMatchObject({ status: "failed" });
  });

  it("completes on the others under 'fraction', retrying then excluding the failed host", async () => {
    const { result, journal } = await runExec(["failOn=toy-2", "require=fraction", "retries=2"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).summary).toEqual({ ok: 4, failed: 1, excluded: ["toy-2"] });
    expect(journal.filter((e) => e.event === "retry").map((e) => e.host)).toEqual(["toy-2", "toy-2"]);
    expect(journal.filter((e) => e.event === "host-failed").map((e) => e.host)).toEqual(["toy-2"]);
  });

  it("replaces a failed host from the spares, which get their own rank", async () => {
    const { result, dir, journal } = await runExec(["failOn=toy-2", "spares=2"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).summary).toEqual({ ok: 5, failed: 1, excluded: ["toy-2"] });
    expect(journal.filter((e) => e.event === "host-replaced").map((e) => [e.host, e.spare])).toEqual([["toy-2", "toy-5"]]);
    expect(readFileSync(join(dir, "hosts/toy-5/hello.out"), "utf8")).toBe("hello from toy-5 rank 5\n");
  });
});
