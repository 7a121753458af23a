import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { defaultBackoff, findSlot, freeNodes, pollDelay } from "../../plugins/g5k/index.ts";
import { ReferenceTree, readJson } from "./standin/fixtures.ts";
import { harness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

describe("polling back-off", () => {
  it("keeps a 30-minute OAR wait to at most 12 polls a minute, 45 s apart at most early on, 150 s after 10 minutes", async () => {
    h = await harness({ timings: { waiting: 1800, launching: 0, deploying: 60 } });
    const ref = await h.client.jobs.submit("rennes", { name: "queued", resources: "nodes=1", command: "sleep 1d" });
    const t0 = h.clock.now();
    await h.client.jobs.waitRunning(ref);
    const polls = h.standin.requests("GET", new RegExp(`/jobs/${ref.uid}$`)).map((r) => (r.time - t0) / 1000);
    for (const start of polls) expect(polls.filter((t) => t >= start && t < start + 60).length).toBeLessThanOrEqual(12);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]!);
    expect(gaps.slice(0, 7)).toEqual([5, 7.5, 11.25, 16.875, 25.3125, 37.96875, 45]);
    gaps.forEach((gap, i) => {
      if (polls[i]! >= 600) expect(gap).toBe(150);
      else expect(gap).toBeLessThanOrEqual(45);
    });
    expect(polls.length).toBeLessThan(30);
    expect(polls.at(-1)).toBeGreaterThanOrEqual(1800);
  });

  it("never polls faster than every 5 s nor slower than every 150 s (property)", () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.double({ min: 0, max: 1e6, noNaN: true }), (attempt, waited) => {
        const d = pollDelay(defaultBackoff, attempt, waited);
        expect(d).toBeGreaterThanOrEqual(5);
        expect(d).toBeLessThanOrEqual(150);
        if (waited < 600) expect(d).toBeLessThanOrEqual(45);
      }),
      { seed: 7 },
    );
  });
});

describe("site status and slot search", () => {
  const tree = new ReferenceTree();
  const siteNodes = (site: string) => tree.clusters(site).flatMap((c) => tree.nodes(site, c).map((n) => `${n}.${site}.grid5000.fr`));

  it("reads the real status shape and finds the earliest common slot over two sites", async () => {
    h = await harness();
    const now = Math.floor(h.clock.now() / 1000);
    const rennes = siteNodes("rennes");
    const nancy = siteNodes("nancy");
    h.standin.store.addForeignJob("rennes", rennes.slice(1), now, 7200);
    h.standin.store.addForeignJob("nancy", nancy, now + 3600, 3 * 3600);
    h.clock.advance(1000);
    const statuses = { rennes: await h.client.status.site("rennes"), nancy: await h.client.status.site("nancy") };
    expect(Object.keys(statuses.rennes.nodes)).toHaveLength(rennes.length);
    const busy = statuses.rennes.nodes[rennes[1]!]!;
    expect(busy.soft).toBe("busy");
    expect(busy.busy_slots).toBe(readJson<{ architecture: { nb_cores: number } }>(`reference-repository/data/grid5000/sites/rennes/clusters/${rennes[1]!.replace(/-\d+\..*/, "")}/nodes/${rennes[1]!.split(".")[0]}.json`).architecture.nb_cores);
    expect(statuses.rennes.nodes[rennes[0]!]!.soft).toBe("free");
    expect(freeNodes(statuses.rennes, now + 60, 3600)).toEqual([rennes[0]]);

    const slot = findSlot(statuses, [{ site: "rennes", nodes: 2 }, { site: "nancy", nodes: 1 }], 3600, now + 60, 86400);
    // rennes frees up at +2 h, when nancy is held until +4 h.
    expect(slot?.start).toBe(now + 4 * 3600);
    expect(slot?.free.rennes).toHaveLength(rennes.length);
    expect(findSlot(statuses, [{ site: "rennes", nodes: 1 }], 3600, now + 60, 86400)?.start).toBe(now + 60);
    expect(findSlot(statuses, [{ site: "rennes", nodes: rennes.length + 1 }], 3600, now + 60, 86400)).toBeUndefined();
    expect(findSlot(statuses, [{ site: "rennes", cluster: "paravance", nodes: 1 }], 3600, now + 60, 86400)?.start).toBe(
      rennes[0]!.startsWith("paravance") ? now + 60 : now + 7200,
    );
  });
});

describe("Reference API", () => {
  it("turns node documents into capacities exactly as the fixtures say", async () => {
    h = await harness();
    const nodes = await h.client.reference.nodes("rennes", "paravance");
    const tree = new ReferenceTree();
    expect(nodes.map((n) => n.uid)).toEqual(tree.nodes("rennes", "paravance"));
    for (const node of nodes) {
      const doc = tree.node("rennes", "paravance", node.uid) as { architecture: { nb_cores: number; nb_threads: number }; main_memory: { ram_size: number }; network_adapters: Array<{ device: string; mac?: string; mounted: boolean; management: boolean; interface: string }>; supported_job_types: { deploy: boolean; virtual: string } };
      expect(node.fqdn).toBe(`${node.uid}.rennes.grid5000.fr`);
      expect(node.cores).toBe(doc.architecture.nb_cores);
      expect(node.threads).toBe(doc.architecture.nb_threads);
      expect(node.memoryMiB * 2 ** 20).toBe(doc.main_memory.ram_size);
      expect(node.jobTypes.deploy).toBe(doc.supported_job_types.deploy);
      expect(node.jobTypes.virtual).toBe(doc.supported_job_types.virtual);
      const ethernet = doc.network_adapters.filter((a) => a.interface === "Ethernet" && !a.management);
      expect(node.adapters.map((a) => [a.device, a.mac, a.mounted])).toEqual(ethernet.map((a) => [a.device, a.mac, a.mounted]));
    }
    expect(nodes[0]).toMatchObject({ cores: 16, threads: 32, memoryMiB: 131072, jobTypes: { deploy: true, besteffort: true, virtual: "ivt" } });
    const sites = await h.client.reference.sites();
    expect(sites.map((s) => s.uid)).toEqual(["grenoble", "lille", "luxembourg", "lyon", "nancy", "nantes", "rennes", "sophia"]);
    expect((await h.client.reference.clusters("rennes")).map((c) => c.uid)).toEqual(["paranoia", "parapide", "parapluie", "parasilo", "paravance"]);
  });
});
