import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { vlanHostName, vlanKind } from "../../plugins/g5k/index.ts";
import { cidrContains, ipMacPairs, macForIp } from "../../plugins/libvirt/index.ts";
import { readJson } from "./standin/fixtures.ts";
import { harness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

describe("KaVLAN", () => {
  it("names nodes inside a VLAN as the DNS does", () => {
    expect(vlanHostName("paravance-1.rennes.grid5000.fr", 4)).toBe("paravance-1-kavlan-4.rennes.grid5000.fr");
    expect(vlanHostName("node-1.site.grid5000.fr", "4")).toBe("node-1-kavlan-4.site.grid5000.fr");
    expect(vlanHostName("paravance-1-eth1.rennes.grid5000.fr", 16)).toBe("paravance-1-eth1-kavlan-16.rennes.grid5000.fr");
    expect([1, 3, 4, 9, 10, 16].map(vlanKind)).toEqual(["kavlan-local", "kavlan-local", "kavlan", "kavlan", "kavlan-global", "kavlan-global"]);
    expect(() => vlanHostName("paravance-1", 4)).toThrow(/fully qualified/);
    expect(() => vlanKind("DEFAULT")).toThrow(/invalid KaVLAN id/);
  });

  it("lists a site's VLANs with the types of the KaVLAN fixture", async () => {
    h = await harness();
    const vlans = await h.client.kavlan.list("rennes");
    const fixture = readJson<{ items: Array<{ uid: string; type: string }> }>("kavlan-rennes-index.json").items.filter((i) => i.type !== "kavlan-remote");
    expect(vlans.map((v) => [v.uid, v.type]).sort()).toEqual(fixture.map((i) => [i.uid, i.type]).sort());
    // kavlan-rennes-nodes-1.json: parapide-18 and -19 sit in VLAN 1.
    expect(await h.client.kavlan.nodes("rennes", "1")).toEqual(["parapide-18.rennes.grid5000.fr", "parapide-19.rennes.grid5000.fr"]);
  });

  it("moves nodes into the user's VLAN with per-node outcomes, and refuses others' VLANs", async () => {
    h = await harness();
    const ref = await h.client.jobs.submit("rennes", { name: "v", resources: "{cluster='paravance'}/nodes=2+{type='kavlan-local'}/vlan=1", command: "sleep 1d", types: ["deploy"] });
    const job = await h.client.jobs.waitRunning(ref);
    const vlan = job.resources_by_type!.vlans![0]!;
    expect(vlan).toBe("1"); // the first local VLAN no job holds
    const [a, b] = job.assigned_nodes!;
    const outcome = await h.client.kavlan.move("rennes", vlan, [a!, "ghost-1.rennes.grid5000.fr"]);
    expect(outcome).toEqual({ [a!]: "success", "ghost-1.rennes.grid5000.fr": "failure" });
    expect(await h.client.kavlan.move("rennes", vlan, [a!, b!])).toEqual({ [a!]: "unchanged", [b!]: "success" });
    // parapide-18 and -19 were in VLAN 1 already (kavlan-rennes-nodes.json).
    expect(await h.client.kavlan.nodes("rennes", vlan)).toEqual([a, b, "parapide-18.rennes.grid5000.fr", "parapide-19.rennes.grid5000.fr"].sort());
    await expect(h.client.kavlan.move("rennes", "5", [a!])).rejects.toThrow("g5k API POST /sites/rennes/vlans/5/nodes: 403 forbidden: the account may not do this (Not enough privileges on Kavlan resources)");
    await expect(h.client.kavlan.move("rennes", "42", [a!])).rejects.toThrow(/404 not found \(Vlan 42 does not exist\)/);
  });
});

describe("g5k-subnets", () => {
  it("derives IP/MAC pairs from a job's subnets, inside the site's g5ksubnet range of the fixtures", async () => {
    h = await harness();
    const sites = ["rennes", "nancy"];
    for (const site of sites) {
      const ref = await h.client.jobs.submit(site, { name: "s", resources: "nodes=1+slash_22=2", command: "sleep 1d" });
      const job = await h.client.jobs.waitRunning(ref);
      const subnets = job.resources_by_type!.subnets!;
      const range = readJson<{ g5ksubnet: { network: string; gateway: string } }>(`reference-repository/data/grid5000/sites/${site}/${site}.json`).g5ksubnet;
      expect((await h.client.reference.site(site)).g5ksubnet).toEqual(range);
      const pairs = ipMacPairs(subnets);
      expect(subnets).toHaveLength(2);
      expect(pairs).toHaveLength(2 * 1022);
      expect(new Set(pairs.map((p) => p.mac)).size).toBe(pairs.length);
      for (const { ip, mac } of pairs) {
        expect(cidrContains(range.network, ip)).toBe(true);
        expect(ip).not.toBe(range.gateway);
        const [, x, y, z] = ip.split(".").map(Number);
        expect(mac).toBe(`00:16:3e:${[x, y, z].map((o) => o!.toString(16).padStart(2, "0")).join(":")}`);
      }
    }
    // Rennes' range is 10.156.0.0/14: its first block is 10.156.0.0/22.
    expect(ipMacPairs(["10.156.0.0/22"])[0]).toEqual({ ip: "10.156.0.1", mac: "00:16:3e:9c:00:01" });
    expect(ipMacPairs(["10.156.0.0/22"]).at(-1)).toEqual({ ip: "10.156.3.254", mac: "00:16:3e:9c:03:fe" });
  });

  it("MAC = 00:16:3e + last three octets, for any address (property)", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const mac = macForIp(ip);
        const hex = ip.split(".").slice(1).map((o) => Number(o).toString(16).padStart(2, "0"));
        expect(mac).toBe(["00", "16", "3e", ...hex].join(":"));
      }),
      { seed: 42 },
    );
    expect(() => ipMacPairs(["10.156.0.1/22"])).toThrow(/not aligned/);
    expect(() => macForIp("10.156.0.256")).toThrow(/invalid IPv4/);
  });
});
