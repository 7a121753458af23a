/**
 * Spare nodes (vm5k's spare hosts): with `spares=1` the reservation takes
 * one node more than asked, deploys it with the others, and provisions it
 * only when a node is excluded: here one whose libvirtd refuses to start
 * takes the spare's place, and the run keeps the number of nodes asked
 * under the default "all" policy. Through the namespaced gateway, from bare
 * nodes. Needs root and the local testbed's packages.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createG5kTestbed } from "../../plugins/g5k/index.ts";
import { recordingContext } from "../local/step-context.ts";
import { useNamespacedG5k } from "./namespaced.ts";

describe("g5k spares", () => {
  const current = useNamespacedG5k(4);

  it("reserves 3 nodes and a spare; the node whose provisioning fails is replaced by the spare, named in the journal", async () => {
    const env = current();
    const broken = env.fqdns[1]!;
    env.machines.brokenLibvirtd.add(broken);
    const ctx = recordingContext("spares", 15);
    const tb = createG5kTestbed({ seed: 15, options: { ...env.options, jobName: "spares", spares: "1", provisionRetries: "0" }, archiveDir: mkdtempSync(join(tmpdir(), "g5k-spares-")), log: () => undefined }, { env: {} });
    try {
      const reserved = await tb.reserve({ nodes: 3 }, ctx);
      // The spare is held back: the workflow sees the 3 nodes it asked for.
      expect(reserved.map((n) => n.name)).toEqual(env.fqdns.slice(0, 3));
      expect(ctx.events.find((e) => e.event === "g5k-spares")).toMatchObject({ nodes: [env.fqdns[3]] });
      const nodes = await tb.deploy(reserved, { policy: { retries: 0 } }, ctx);
      expect(nodes.map((n) => n.name)).toEqual([env.fqdns[0], env.fqdns[2], env.fqdns[3]]);
      expect(ctx.events.filter((e) => e.event === "provision-failed")).toMatchObject([{ node: broken, stage: "libvirtd" }]);
      expect(ctx.events.filter((e) => e.event === "node-replaced")).toEqual([expect.objectContaining({ step: "provision", node: broken, spare: env.fqdns[3] })]);
      // The spare went through every sub-step from bare, like the others.
      const probes = ctx.events.filter((e) => e.event === "provision-probe");
      expect(probes).toMatchObject([{ ready: 0, todo: 3 }, { ready: 0, todo: 1 }]);
    } finally {
      await tb.release();
    }
  }, 600_000);
});
