import { afterEach, describe, expect, it } from "vitest";
import { findJobsByName, resourceString, submitAllOrNothing } from "../../plugins/g5k/index.ts";
import { harness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

const hold = { command: "sleep 31536000", types: ["deploy"] };

describe("OAR jobs through the API", () => {
  it("follows waiting -> launching -> running -> terminated and reports the assigned resources", async () => {
    h = await harness({ timings: { waiting: 30, launching: 10, deploying: 60 } });
    const resources = resourceString({ nodes: 2, cluster: "paravance", vlan: "kavlan", subnets22: 1, walltime: 3600 });
    expect(resources).toBe("{cluster='paravance'}/nodes=2+{type='kavlan'}/vlan=1+slash_22=1,walltime=1:00:00");
    const ref = await h.client.jobs.submit("rennes", { name: "lifecycle", resources, ...hold });
    const seen: string[] = [];
    const record = async (): Promise<string> => {
      const state = (await h.client.jobs.get(ref)).state;
      if (seen.at(-1) !== state) seen.push(state);
      return state;
    };
    for (let state = await record(); state !== "terminated"; state = await record()) {
      await h.clock.sleep(state === "running" ? 900_000 : 5000);
    }
    expect(seen).toEqual(["waiting", "launching", "running", "terminated"]);

    const done = await h.client.jobs.get(ref);
    expect(done.assigned_nodes).toEqual(["paravance-1.rennes.grid5000.fr", "paravance-2.rennes.grid5000.fr"]);
    expect(done.resources_by_type?.vlans).toEqual(["4"]);
    expect(done.resources_by_type?.subnets).toEqual(["10.156.0.0/22"]);
    expect(done.name).toBe("lifecycle");
    expect(done.types).toEqual(["deploy"]);
    expect(done.walltime).toBe(3600);
    expect(done.stopped_at! - done.started_at!).toBe(3600);
  });

  it("waits for running with back-off, then deletes the job (202, job ends in error)", async () => {
    h = await harness({ timings: { waiting: 100, launching: 20, deploying: 60 } });
    const ref = await h.client.jobs.submit("rennes", { name: "wait", resources: "nodes=1,walltime=1:00:00", ...hold });
    const job = await h.client.jobs.waitRunning(ref);
    expect(job.state).toBe("running");
    expect(job.assigned_nodes).toHaveLength(1);
    await h.client.jobs.delete(ref);
    const del = h.standin.requests("DELETE", /\/jobs\/\d+$/);
    expect(del.map((r) => r.status)).toEqual([202]);
    expect((await h.client.jobs.get(ref)).state).toBe("error");
    await expect(h.client.jobs.waitRunning(ref)).rejects.toThrow(/ended \(error\) before running/);
  });

  it("reattaches by name to the live job of the user only", async () => {
    h = await harness();
    const mine = await h.client.jobs.submit("rennes", { name: "exp-1", resources: "nodes=1", ...hold });
    await h.client.jobs.submit("rennes", { name: "exp-2", resources: "nodes=1", ...hold });
    const dead = await h.client.jobs.submit("rennes", { name: "exp-1", resources: "nodes=1", ...hold });
    await h.client.jobs.delete(dead);
    const found = await h.client.jobs.findByName("rennes", "exp-1", "alice");
    expect(found.map((j) => j.uid)).toEqual([mine.uid]);
    expect(await findJobsByName(h.client.jobs, ["rennes"], "exp-1", "alice")).toEqual([{ site: "rennes", uid: mine.uid }]);
    expect(await findJobsByName(h.client.jobs, ["rennes"], "none", "alice")).toEqual([]);
    await h.client.jobs.submit("rennes", { name: "exp-2", resources: "nodes=1", ...hold });
    await expect(findJobsByName(h.client.jobs, ["rennes"], "exp-2", "alice")).rejects.toThrow(/several live jobs named 'exp-2'/);
    await expect(findJobsByName(h.client.jobs, ["rennes", "nancy"], "exp-1", "alice")).rejects.toThrow(/exists on rennes but not on nancy/);
  });

  it("extends the walltime of a running job and maps OAR's refusals", async () => {
    h = await harness({ timings: { waiting: 10, launching: 5, deploying: 60 } });
    const ref = await h.client.jobs.submit("rennes", { name: "long", resources: "nodes=1,walltime=2:00:00", ...hold });
    await expect(h.client.jobs.extendWalltime(ref, "+1:00:00")).rejects.toThrow(`403 forbidden: the account may not do this (Job ${ref.uid} is not running)`);
    await h.client.jobs.waitRunning(ref);
    await h.client.jobs.extendWalltime(ref, "+1:00:00");
    expect((await h.client.jobs.get(ref)).walltime).toBe(3 * 3600);
    expect((await h.client.jobs.walltime(ref)).walltime).toBe("3:0:0");
    const post = h.standin.requests("POST", /\/walltime$/).at(-1)!;
    expect(post.status).toBe(202);
    expect(post.contentType).toMatch(/^application\/json/);
    expect(post.body).toEqual({ walltime: "+1:00:00" });
    await expect(h.client.jobs.extendWalltime(ref, "one hour")).rejects.toThrow(/must look like \+1:30:00/);
  });

  it("rejects invalid jobs with 400 and the API's reason", async () => {
    h = await harness();
    await expect(h.client.jobs.submit("rennes", { name: "x", resources: "nodes=1", command: "" })).rejects.toThrow(
      "g5k API POST /sites/rennes/jobs: 400 bad request: the API rejected what was sent (The job you are trying to submit is not valid: you must give a :command to execute on launch)",
    );
    await expect(h.client.jobs.submit("rennes", { name: "x", resources: "{cluster='nope'}/nodes=1", ...hold })).rejects.toThrow(/400 .*not enough resources/);
    await expect(h.client.jobs.submit("rennes", { name: "x", resources: "cores=banana", ...hold })).rejects.toThrow(/400 .*Bad resource request/);
  });
});

describe("multi-site reservations", () => {
  it("deletes the jobs already accepted when a later site rejects its job", async () => {
    h = await harness();
    h.standin.rejectJobs.set("nancy", { status: 400, message: "There are not enough resources for your request" });
    const submission = { name: "multi", resources: "nodes=2,walltime=1:00:00", ...hold };
    const attempt = submitAllOrNothing(h.client.jobs, [
      { site: "rennes", submission },
      { site: "lyon", submission },
      { site: "nancy", submission },
      { site: "lille", submission },
    ]);
    await expect(attempt).rejects.toThrow(/POST \/sites\/nancy\/jobs: 400 .*; cleaned up deleted rennes\/\d+, deleted lyon\/\d+$/);
    const jobs = [...h.standin.store.jobs.values()];
    expect(jobs.map((j) => j.site)).toEqual(["rennes", "lyon"]);
    expect(jobs.every((j) => j.deletedAt !== undefined)).toBe(true);
    expect(h.standin.requests("POST", /\/sites\/lille\/jobs$/)).toHaveLength(0);
    expect(h.standin.requests("DELETE", /\/jobs\/\d+$/).map((r) => r.path.split("/")[2]).sort()).toEqual(["lyon", "rennes"]);
  });

  it("submits one job per site under the same name when all accept", async () => {
    h = await harness();
    const submission = { name: "multi", resources: "nodes=1", ...hold };
    const refs = await submitAllOrNothing(h.client.jobs, ["rennes", "nancy"].map((site) => ({ site, submission })));
    expect(refs.map((r) => r.site)).toEqual(["rennes", "nancy"]);
    expect(await findJobsByName(h.client.jobs, ["rennes", "nancy"], "multi", "alice")).toEqual(refs);
  });
});
