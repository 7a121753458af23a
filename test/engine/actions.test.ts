import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assignRoles } from "../../engine/roles.ts";
import { ROOT, runToy } from "./cli-helpers.ts";

const ACTIONS = join(ROOT, "test/engine/fixtures/actions-workflow.ts");

const runActions = (params: string[]) => runToy(ACTIONS, params);

describe("roles", () => {
  const hosts = Array.from({ length: 5 }, (_, i) => ({ name: `h${i}`, address: "x", labels: { site: i < 2 ? "a" : "b" } }));
  it("takes counted roles in order, label roles wherever they match, both together from the free matching hosts", () => {
    const r = assignRoles(hosts, { one: 1, siteB: { label: { site: "b" } }, twoB: { count: 2, label: { site: "b" } } });
    expect(r.one.map((h) => h.name)).toEqual(["h0"]);
    expect(r.siteB.map((h) => h.name)).toEqual(["h2", "h3", "h4"]);
    expect(r.twoB.map((h) => h.name)).toEqual(["h2", "h3"]);
    expect(r.twoB.role).toBe("twoB");
  });
  it("refuses a role it cannot fill, naming it", () => {
    expect(() => assignRoles(hosts, { a: 3, b: 3 })).toThrow(/role b: 3 hosts wanted, 2 free among the 5 reserved/);
    expect(() => assignRoles(hosts, { a: { count: 3, label: { site: "a" } } })).toThrow(/role a: 3 hosts wanted, 2 free matching site=a/);
  });
});

describe("x.run: composed actions on roles", () => {
  it("runs a sequence of a parallel, a remote under a policy and a local process as one step, per-host substituted", async () => {
    const { result, dir, journal } = await runActions([]);
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout).summary;
    expect(summary.roles).toEqual({ front: ["toy-0"], workers: ["toy-1", "toy-2", "toy-3"], odd: ["toy-1", "toy-3", "toy-5"], lastEven: ["toy-4"] });
    expect(summary.workerRole).toBe("workers");
    expect(summary).toMatchObject({ ok: 8, failed: 0, excluded: [], parts: ["hello", "check", "local:echo"] });
    // one step, outputs of its actions joined per host, ranks within each action's role
    expect(readFileSync(join(dir, "hosts/toy-2/composed.out"), "utf8")).toBe("worker toy-2 1\n");
    expect(readFileSync(join(dir, "hosts/toy-0/composed.out"), "utf8")).toBe("front toy-0 0\n");
    expect(journal.filter((e) => e.event === "role").map((e) => e.role)).toEqual(["front", "workers", "odd", "lastEven"]);
    expect(journal.filter((e) => e.event === "step-end" && e.step === "composed")).toHaveLength(1);
  });

  it("goes on without a failed worker when the policy requires two of three, and reports it excluded", async () => {
    const { result, journal } = await runActions(["failOn=toy-2"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).summary).toMatchObject({ ok: 7, failed: 1, excluded: ["toy-2"] });
    expect(journal.find((e) => e.event === "host-failed")).toMatchObject({ host: "toy-2", action: "check" });
  });
});
