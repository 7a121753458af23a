import { afterEach, describe, expect, it } from "vitest";
import { createG5kTestbed, g5kTestbed, splitNodes } from "../../plugins/g5k/index.ts";
import type { Standin } from "./standin/server.ts";
import type { VirtualClock } from "./standin/virtual-clock.ts";
import { context, env, PASSWORD, testbedHarness } from "./testbed-harness.ts";

let standin: Standin;
let clock: VirtualClock;
afterEach(async () => standin?.stop());

async function setup(options: Record<string, string>) {
  const h = await testbedHarness(options);
  standin = h.standin;
  clock = h.clock;
  return h;
}

describe("g5k testbed plugin", () => {
  it("reserves on two sites at a common start, deploys with KO retry into the VLAN, plans VMs from the subnets, releases", async () => {
    const { testbed, boots } = await setup({ sites: "rennes,nancy", vlan: "kavlan", subnets: "1", jobName: "exp", gateway: "access.grid5000.fr" });
    const ctx = context();
    const nodes = await testbed.reserve({ nodes: 4, walltime: 3600 }, ctx);

    const posts = standin.requests("POST", /\/jobs$/);
    expect(posts.map((p) => p.path)).toEqual(["/sites/rennes/jobs", "/sites/nancy/jobs"]);
    const start = Math.floor(posts[0]!.time / 1000) + 60;
    for (const post of posts) {
      expect(post.body).toEqual({ name: "exp", resources: "nodes=2+{type='kavlan'}/vlan=1+slash_22=1,walltime=1:00:00", command: "sleep 31536000", types: ["deploy"], reservation: start });
    }
    expect(standin.requests("GET", /\/status$/)).toHaveLength(2);
    expect(nodes.map((n) => n.labels?.site)).toEqual(["rennes", "rennes", "nancy", "nancy"]);
    expect(nodes[0]).toMatchObject({ user: "root", capacity: { cores: expect.any(Number), memoryMiB: expect.any(Number) }, jump: { address: "access.grid5000.fr", user: "alice" } });
    expect(nodes.every((n) => n.address === n.name && /\.grid5000\.fr$/.test(n.name))).toBe(true);

    standin.store.koPlan.push([nodes[1]!.name]);
    const deployed = await testbed.deploy(nodes, {}, ctx);
    const deploys = standin.requests("POST", /\/deployments$/).map((p) => p.body as { nodes: string[]; vlan: string; environment: string; key: string });
    expect(deploys.map((d) => d.nodes.length).sort()).toEqual([1, 2, 2]);
    expect(deploys.find((d) => d.nodes.length === 1)?.nodes).toEqual([nodes[1]!.name]);
    expect(deploys.every((d) => d.vlan === "4" && d.environment === "debian11-min" && d.key === "ssh-ed25519 AAAAC3Nza test@g5k-flow")).toBe(true);
    expect(deployed.map((n) => n.name)).toEqual(nodes.map((n) => n.name));
    expect(deployed.map((n) => n.address)).toEqual(nodes.map((n) => n.name.replace(/^([^.]+)/, "$1-kavlan-4")));
    expect(ctx.events.filter((e) => e.event === "g5k-deploy-round")).toHaveLength(3);

    // The step's failure policy reaches the VM runtime, which retries and excludes by it (test/ssh boots real guests under one).
    const policy = { retries: 2, require: { fraction: 0.5 } } as const;
    const vms = await testbed.bootVms(deployed, { perNode: 2, policy }, ctx);
    expect(boots.policies).toEqual([policy]);
    expect(vms.map((v) => v.name)).toEqual(["vm-0001", "vm-0002", "vm-0003", "vm-0004", "vm-0005", "vm-0006", "vm-0007", "vm-0008"]);
    const plan = boots.plans[0]!;
    expect(plan.map((p) => p.node.name)).toEqual([0, 1, 2, 3, 0, 1, 2, 3].map((i) => deployed[i]!.name));
    expect(plan.filter((p) => p.node.labels?.site === "rennes").map((p) => p.ip)).toEqual(["10.156.0.1", "10.156.0.2", "10.156.0.3", "10.156.0.4"]);
    expect(plan.filter((p) => p.node.labels?.site === "nancy").map((p) => p.ip)).toEqual(["10.144.0.1", "10.144.0.2", "10.144.0.3", "10.144.0.4"]);
    expect(vms[0]).toMatchObject({ mac: "00:16:3e:9c:00:01", vcpus: 1, memoryMiB: 1024 });

    const described = JSON.stringify(testbed.describe());
    expect(described).not.toContain(PASSWORD);
    expect(testbed.describe()).toMatchObject({ user: "alice", credentialsFrom: "environment", sites: ["rennes", "nancy"], jobs: [{ site: "rennes" }, { site: "nancy" }] });

    await testbed.release();
    await testbed.release();
    expect(standin.requests("DELETE", /\/jobs\/\d+$/).map((r) => r.status)).toEqual([202, 202]);
    expect([...standin.store.jobs.values()].every((j) => j.deletedAt !== undefined)).toBe(true);
    expect(JSON.stringify(standin.log.map((r) => r.body))).not.toContain(PASSWORD);
  });

  it("on two sites with a global KaVLAN: reserves it once, deploys both sites' nodes into it, plans the VMs of both in one plan", async () => {
    const { testbed, boots } = await setup({ sites: "rennes,nancy", vlan: "kavlan-global", subnets: "1", jobName: "global", gateway: "access.grid5000.fr" });
    const ctx = context();
    const nodes = await testbed.reserve({ nodes: 4, walltime: 3600 }, ctx);
    const posts = standin.requests("POST", /\/jobs$/).map((p) => [p.path, (p.body as { resources: string }).resources]);
    expect(posts).toEqual([
      ["/sites/rennes/jobs", "nodes=2+{type='kavlan-global'}/vlan=1+slash_22=1,walltime=1:00:00"],
      ["/sites/nancy/jobs", "nodes=2+slash_22=1,walltime=1:00:00"],
    ]);
    const deployed = await testbed.deploy(nodes, {}, ctx);
    // Rennes' global VLAN (16 in the Reference API); the stand-in refuses a deployment into a VLAN the user holds no job for.
    const deploys = standin.requests("POST", /\/deployments$/).map((p) => [p.path, (p.body as { vlan: string }).vlan]);
    expect(deploys.sort()).toEqual([["/sites/nancy/deployments", "16"], ["/sites/rennes/deployments", "16"]]);
    expect(deployed.map((n) => n.address)).toEqual(nodes.map((n) => n.name.replace(/^([^.]+)/, "$1-kavlan-16")));
    await testbed.bootVms(deployed, { perNode: 2 }, ctx);
    const plan = boots.plans[0]!;
    expect(new Set(plan.map((p) => p.node.labels?.site))).toEqual(new Set(["rennes", "nancy"]));
    expect(new Set(plan.map((p) => p.ip)).size).toBe(8);
    await testbed.release();
  });

  it("refuses (stand-in) a deployment into a VLAN the user did not reserve", async () => {
    const { testbed } = await setup({ sites: "rennes", cluster: "paravance", jobName: "novlan" });
    const nodes = await testbed.reserve({ nodes: 1 }, context());
    const job = [...standin.store.jobs.values()][0]!;
    expect(() => standin.store.submitDeployment("rennes", job.user, { nodes: nodes.map((n) => n.name), environment: "debian11-min", vlan: "16" })).toThrow(/VLAN 16 is not reserved/);
    await testbed.release();
  });

  it("reattaches to live jobs of the same name instead of submitting", async () => {
    const { init, testbed } = await setup({ sites: "rennes", cluster: "paravance", jobName: "again", keepJobs: "true" });
    const first = await testbed.reserve({ nodes: 2 }, context());
    await testbed.release();
    expect(standin.requests("DELETE", /\/jobs\//)).toHaveLength(0);
    const second = createG5kTestbed(init, { clock, env });
    const ctx = context();
    expect(await second.reserve({ nodes: 2 }, ctx)).toEqual(first);
    expect(standin.requests("POST", /\/jobs$/)).toHaveLength(1);
    expect(ctx.logs[0]).toMatch(/^g5k: reattached to job 'again': rennes\/\d+$/);
    expect(first.every((n) => n.labels?.cluster === "paravance")).toBe(true);
  });

  it("fails clearly: too few nodes deployed, VMs not booted, bad options", async () => {
    const { init, testbed } = await setup({ sites: "rennes", minDeployed: "1", deployRounds: "2" });
    const nodes = await testbed.reserve({ nodes: 2 }, context());
    standin.store.koPlan.push([nodes[0]!.name], [nodes[0]!.name]);
    await expect(testbed.deploy(nodes, { image: "debian11-min" }, context())).rejects.toThrow(
      `g5k: only 1 of 2 nodes deployed after 2 round(s) (below minDeployed=1); KO: ${nodes[0]!.name}`,
    );
    const bare = createG5kTestbed(init, { clock, env });
    expect(() => bare.cluster()).toThrow(/VMs are not booted yet/);
    expect(() => createG5kTestbed({ ...init, options: { colour: "blue" } }, { env })).toThrow(/unknown testbed option 'colour'/);
    expect(() => createG5kTestbed({ ...init, options: { walltime: "soon" } }, { env })).toThrow(/invalid duration 'soon'/);
    expect(() => createG5kTestbed({ ...init, options: { vlan: "yes" } }, { env })).toThrow(/bad testbed option 'vlan'/);
    const fresh = createG5kTestbed({ ...init, options: { ...init.options, reattach: "false" } }, { clock, env });
    await expect(fresh.reserve({ nodes: 1, where: { cluster: "nope" } }, context())).rejects.toThrow("g5k: no cluster 'nope' on rennes (known: paranoia, parapide, parapluie, parasilo, paravance)");
  });

  it("deletes the jobs of a multi-site reservation when one site rejects it", async () => {
    const { testbed } = await setup({ sites: "rennes,lyon", jobName: "doomed" });
    standin.rejectJobs.set("lyon", { status: 400, message: "There are not enough resources for your request" });
    await expect(testbed.reserve({ nodes: 2 }, context())).rejects.toThrow(/lyon\/jobs: 400 .*cleaned up deleted rennes\/\d+/);
    expect([...standin.store.jobs.values()].map((j) => [j.site, j.deletedAt !== undefined])).toEqual([["rennes", true]]);
  });

  it("is registered as 'g5k' and splits nodes evenly over sites", () => {
    expect(g5kTestbed.name).toBe("g5k");
    expect(splitNodes(7, ["a", "b", "c"])).toEqual({ a: 3, b: 2, c: 2 });
    expect(() => splitNodes(1, ["a", "b"])).toThrow(/cannot be spread/);
  });
});

describe("g5k testbed walltime", () => {
  it("reports when the job ends and extends it through OAR's walltime API", async () => {
    const { testbed } = await setup({ sites: "rennes" });
    const before = Date.now();
    await testbed.reserve({ nodes: 1, walltime: 3600 }, context());
    const end = testbed.walltimeEnd();
    expect(end).not.toBeNull();
    // started on the stand-in's clock, 3600 s of walltime: about an hour from now on this one
    expect((end as number) - before).toBeGreaterThan(3500_000);
    expect((end as number) - before).toBeLessThanOrEqual(3600_000 + 1000);

    const extended = await testbed.extendWalltime(1800);
    // 30 more minutes (give or take the milliseconds this machine's clock moved meanwhile)
    expect(Math.abs((extended as number) - ((end as number) + 1800_000))).toBeLessThan(1000);
    const change = standin.requests("POST", /\/walltime$/);
    expect(change.map((r) => r.body)).toEqual([{ walltime: "+0:30:00" }]);
    await testbed.release();
  });
});

describe("g5k testbed release", () => {
  it("deletes its jobs even when closing the VMs fails", async () => {
    const h = await testbedHarness({ sites: "rennes" });
    standin = h.standin;
    const failing = createG5kTestbed(h.init, {
      clock: h.clock,
      env,
      vmRuntime: () => ({
        boot: async () => [],
        stress: async () => undefined,
        cluster: () => {
          throw new Error("not used");
        },
        advance: async () => undefined,
        migrate: async () => {
          throw new Error("not used");
        },
        observe: async () => {
          throw new Error("not used");
        },
        collect: async () => {
          throw new Error("not used");
        },
        close: async () => {
          throw new Error("libvirt did not answer");
        },
      }),
    });
    const ctx = context();
    await failing.bootVms(await failing.deploy(await failing.reserve({ nodes: 1 }, ctx), {}, ctx), { perNode: 1 }, ctx);
    await expect(failing.release()).rejects.toThrow("libvirt did not answer");
    expect(h.standin.requests("DELETE", /\/jobs\/\d+$/)).toHaveLength(1);
  });
});
