import { afterEach, describe, expect, it } from "vitest";
import { harness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

/** A running deploy job of `n` paravance nodes; returns their FQDNs. */
async function runningNodes(n: number): Promise<string[]> {
  const ref = await h.client.jobs.submit("rennes", { name: "d", resources: `{cluster='paravance'}/nodes=${n},walltime=2:00:00`, command: "sleep 31536000", types: ["deploy"] });
  return (await h.client.jobs.waitRunning(ref)).assigned_nodes ?? [];
}

describe("Kadeploy deployments", () => {
  it("redeploys only the KO nodes: round 1 has 2 of 5 KO, round 2 all OK", async () => {
    h = await harness();
    const nodes = await runningNodes(5);
    expect(nodes).toHaveLength(5);
    const ko = [nodes[1]!, nodes[3]!];
    h.standin.store.koPlan.push(ko);
    const rounds: number[] = [];
    const outcome = await h.client.deployments.deployWithRetry("rennes", { nodes, environment: "debian11-min", key: "ssh-ed25519 AAAA test" }, 3, undefined, (r) => rounds.push(r.ko.length));
    expect(rounds).toEqual([2, 0]);
    expect(outcome.ok).toEqual(nodes);
    expect(outcome.ko).toEqual([]);
    const posts = h.standin.requests("POST", /\/deployments$/);
    expect(posts.map((p) => (p.body as { nodes: string[] }).nodes)).toEqual([nodes, ko]);
    expect(posts.map((p) => p.status)).toEqual([201, 201]);
    expect((posts[0]!.body as { key: string }).key).toBe("ssh-ed25519 AAAA test");
    expect(outcome.rounds.map((r) => r.status)).toEqual(["terminated", "terminated"]);
  });

  it("stops after the bounded number of rounds and reports the nodes KO every time", async () => {
    h = await harness();
    const nodes = await runningNodes(3);
    h.standin.store.koPlan.push([nodes[0]!, nodes[2]!], [nodes[2]!], [nodes[2]!], [nodes[2]!]);
    const outcome = await h.client.deployments.deployWithRetry("rennes", { nodes, environment: "debian11-min" }, 3);
    expect(outcome.rounds.map((r) => r.nodes.length)).toEqual([3, 2, 1]);
    expect(outcome.ko).toEqual([nodes[2]]);
    expect(outcome.ok).toEqual([nodes[0], nodes[1]]);
    expect(h.standin.requests("POST", /\/deployments$/)).toHaveLength(3);
  });

  it("counts every node KO when Kadeploy fails the whole deployment", async () => {
    h = await harness();
    const nodes = await runningNodes(2);
    const outcome = await h.client.deployments.deployWithRetry("rennes", { nodes, environment: "no-such-env" }, 2);
    expect(outcome.ok).toEqual([]);
    expect(outcome.rounds.map((r) => r.status)).toEqual(["error", "error"]);
    expect(outcome.rounds[0]!.output).toBe("Kadeploy error #21: The environment 'no-such-env' does not exist");
  });

  it("refuses nodes the user has not reserved with type deploy (500 from the API)", async () => {
    h = await harness();
    await expect(h.client.deployments.submit("rennes", { nodes: ["paravance-9.rennes.grid5000.fr"], environment: "debian11-min" })).rejects.toThrow(
      /POST \/sites\/rennes\/deployments: 500 internal error of the API \(Cannot launch deployment: .*not reserved by alice/,
    );
  });

  it("polls a deployment with back-off until it ends", async () => {
    h = await harness({ timings: { waiting: 5, launching: 5, deploying: 300 } });
    const nodes = await runningNodes(1);
    const start = h.clock.now();
    const d = await h.client.deployments.submit("rennes", { nodes, environment: "debian11-min" });
    expect(d.status).toBe("processing");
    const done = await h.client.deployments.wait("rennes", d.uid);
    expect(done.result).toEqual({ [nodes[0]!]: { state: "OK", macro: null, micro: null } });
    const polls = h.standin.requests("GET", /\/deployments\/D-/).filter((r) => r.time >= start);
    // 5, 7.5, 11.25, ... 45 s: 300 s take about ten polls, not sixty.
    expect(polls.length).toBeGreaterThanOrEqual(8);
    expect(polls.length).toBeLessThanOrEqual(12);
  });
});
