/**
 * Reattaching to live OAR jobs must never adopt (and then delete) a job that
 * is not this run's: the default job name is the run's, a found job must
 * match the request, and release deletes only what the testbed holds.
 */
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { Credentials, G5kClient, g5kTestbed, runJobName } from "../../plugins/g5k/index.ts";
import { context, PASSWORD, testbedHarness } from "./testbed-harness.ts";
import type { TestbedHarness } from "./testbed-harness.ts";

const RUN_ID = "20261121-153025-dvms-vs-entropy-ef209f";
/** An archive folder as the engine names it: results/<run id>. */
const runDir = (id = RUN_ID): string => join(mkdtempSync(join(tmpdir(), "g5k-results-")), id);

let h: TestbedHarness;
afterEach(async () => h?.standin.stop());

/** A live job of alice's submitted outside the testbed (another run, another tool). */
async function foreignJob(name: string, nodes: number, site = "rennes", cluster?: string) {
  const client = new G5kClient({ baseUrl: h.standin.apiUrl, credentials: new Credentials("alice", PASSWORD, "test"), clock: h.clock });
  const resources = `${cluster ? `{cluster='${cluster}'}/` : ""}nodes=${nodes},walltime=2:00:00`;
  return client.jobs.submit(site, { name, resources, command: "sleep 1d", types: ["deploy"] });
}

const live = (uid: number): boolean => h.standin.store.jobs.get(uid)?.deletedAt === undefined;
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

describe("g5k job names", () => {
  it("default to the run's id, so a run only ever finds its own jobs", async () => {
    h = await testbedHarness({ sites: "rennes" }, runDir());
    expect(h.testbed.jobName).toBe(`g5k-flow-${RUN_ID}`);
    expect(h.testbed.describe()).toMatchObject({ jobName: `g5k-flow-${RUN_ID}` });
    await h.testbed.reserve({ nodes: 1 }, context());
    expect(h.standin.requests("POST", /\/jobs$/).map((r) => (r.body as { name: string }).name)).toEqual([`g5k-flow-${RUN_ID}`]);
    await h.testbed.release();
  });

  it("stay within OAR's 100 characters and its name syntax, keeping the run's hash, whatever the workflow's name (property)", () => {
    const ids = fc.tuple(fc.string({ maxLength: 150 }).filter((w) => !w.includes("/")), fc.stringMatching(/^[0-9a-f]{6}$/)).map(([workflow, hash]) => `20261121-153025-${workflow}-${hash}`);
    fc.assert(
      fc.property(ids, (id) => {
        const name = runJobName(join("/results", id));
        expect(name.length).toBeLessThanOrEqual(100);
        expect(name).toMatch(/^g5k-flow-20261121-153025-[A-Za-z0-9_.-]*$/);
        expect(name.endsWith(id.slice(-6))).toBe(true);
        if (/^[A-Za-z0-9_.-]+$/.test(id) && id.length <= 91) expect(name).toBe(`g5k-flow-${id}`);
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(() => g5kTestbed.validateOptions!({ jobName: "x".repeat(101) })).toThrow(/jobName.*at most 100 characters/);
  });
});

describe("g5k reattach", () => {
  it("leaves alone a live job of another run, even one named as the old default 'g5k-flow': release deletes only its own", async () => {
    h = await testbedHarness({ sites: "rennes" }, runDir());
    const other = await foreignJob(runJobName(runDir("20261120-080000-other-123456")), 2);
    const oldDefault = await foreignJob("g5k-flow", 2);
    const ctx = context();
    await h.testbed.reserve({ nodes: 2 }, ctx);
    expect(ctx.logs.some((l) => l.includes("reattached"))).toBe(false);
    const mine = h.testbed.describe().jobs as Array<{ uid: number }>;
    expect(mine.map((j) => j.uid)).not.toContain(other.uid);
    expect(mine.map((j) => j.uid)).not.toContain(oldDefault.uid);
    await h.testbed.release();
    expect(live(mine[0]!.uid)).toBe(false);
    expect([live(other.uid), live(oldDefault.uid)]).toEqual([true, true]);
  });

  it("refuses a job of its name that holds another node count, in one line, and never deletes it", async () => {
    h = await testbedHarness({ sites: "rennes", jobName: "shared" });
    const theirs = await foreignJob("shared", 3);
    const error = await h.testbed.reserve({ nodes: 2 }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(message(error)).toBe(`g5k: live job 'shared' (rennes/${theirs.uid}) holds 3 node(s), this reservation asks for 2 on rennes: it is not this run's; delete it or set another jobName`);
    await h.testbed.release();
    expect(live(theirs.uid)).toBe(true);
    expect(h.standin.requests("POST", /\/jobs$/)).toHaveLength(1); // only the foreign job's
    expect(h.standin.requests("DELETE", /\/jobs\//)).toHaveLength(0);
  });

  it("refuses a job of its name on nodes of another cluster", async () => {
    h = await testbedHarness({ sites: "rennes", cluster: "paravance", jobName: "c" });
    const parasilo = await foreignJob("c", 1, "rennes", "parasilo");
    await expect(h.testbed.reserve({ nodes: 1 }, context())).rejects.toThrow(/^g5k: live job 'c' \(rennes\/\d+\) holds parasilo-\d+\.rennes\.grid5000\.fr, not of cluster paravance: /);
    await h.testbed.release();
    expect(live(parasilo.uid)).toBe(true);
  });

  it("refuses a job of its name on only some of the sites asked for", async () => {
    h = await testbedHarness({ sites: "rennes,nancy", jobName: "two-sites" });
    const rennesOnly = await foreignJob("two-sites", 1);
    const error = await h.testbed.reserve({ nodes: 2 }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(message(error)).toBe("g5k: job 'two-sites' exists on rennes but not on nancy: delete it or pick another job name");
    await h.testbed.release();
    expect(live(rennesOnly.uid)).toBe(true);
  });

  it("reattaches a restarted run to its own job when it matches, and then deletes it at release", async () => {
    const dir = runDir();
    h = await testbedHarness({ sites: "rennes", keepJobs: "true" }, dir);
    const first = await h.testbed.reserve({ nodes: 2 }, context());
    await h.testbed.release(); // keepJobs: the job outlives the first process, as after a crash
    const again = h.another({ options: { ...h.init.options, keepJobs: "false" } });
    const ctx = context();
    expect(await again.reserve({ nodes: 2 }, ctx)).toEqual(first);
    expect(ctx.logs[0]).toMatch(new RegExp(`^g5k: reattached to job 'g5k-flow-${RUN_ID}': rennes/\\d+$`));
    expect(ctx.events.find((e) => e.event === "g5k-jobs")).toMatchObject({ reattached: true });
    expect(h.standin.requests("POST", /\/jobs$/)).toHaveLength(1);
    await again.release();
    expect([...h.standin.store.jobs.values()].map((j) => j.deletedAt !== undefined)).toEqual([true]);
  });

  it("never adopts a job another live testbed of the same run holds: two reservations, two jobs, each deleted by its owner", async () => {
    h = await testbedHarness({ sites: "rennes" }, runDir());
    const second = h.another();
    const a = await h.testbed.reserve({ nodes: 2 }, context());
    const b = await second.reserve({ nodes: 2 }, context());
    expect(new Set([...a, ...b].map((n) => n.name)).size).toBe(4);
    const [jobA, jobB] = [h.testbed, second].map((t) => (t.describe().jobs as Array<{ uid: number }>)[0]!.uid);
    expect(jobA).not.toBe(jobB);
    await h.testbed.release();
    expect([live(jobA!), live(jobB!)]).toEqual([false, true]);
    await second.release();
    expect(live(jobB!)).toBe(false);
  });
});
