import { describe, expect, it } from "vitest";
import { createSimCluster } from "../../plugins/sim/index.ts";
import { createDvms } from "../../plugins/dvms/index.ts";

const SECONDS = 300;
const spec = { seed: 7, nodes: 1000, cores: 6, vmsPerNode: 8, load: { kind: "gaussian", mean: 0.6, std: 0.2 } } as const;

describe("DVMS on the simulated testbed at 1K PMs / 8K VMs", () => {
  it("keeps the cumulated violation time lower than no scheduler, with the same injected load", () => {
    const bare = createSimCluster(spec);
    bare.run(SECONDS);
    const without = bare.metrics().counters.violationSeconds;

    const sim = createSimCluster(spec);
    const dvms = createDvms(sim.runtime);
    dvms.start();
    sim.run(SECONDS);
    const withDvms = sim.metrics().counters.violationSeconds;
    const report = dvms.report();

    expect(sim.placement().size).toBe(8000);
    expect(without).toBeGreaterThan(100); // the load does overload nodes
    expect(withDvms).toBeLessThan(without / 2);
    const solved = report.tables.isp.filter((r) => r.outcome === "solved");
    expect(solved.length).toBeGreaterThan(10);
    expect(report.migrations.length).toBeGreaterThanOrEqual(solved.length);
    // Same seed, same run, bit for bit.
    const again = createSimCluster(spec);
    const dvms2 = createDvms(again.runtime);
    dvms2.start();
    again.run(SECONDS);
    expect(again.metrics().counters.violationSeconds).toBe(withDvms);
    expect(dvms2.report().tables).toEqual(report.tables);
  });
});
