import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { createSimCluster, type SimClusterSpec } from "../../plugins/sim/index.ts";
import { BIN, ROOT } from "../engine/cli-helpers.ts";

const base: SimClusterSpec = { seed: 1, nodes: 2, vmsPerNode: 1 };

describe("sim model options are validated wherever they come from", () => {
  const bad: [Partial<SimClusterSpec>, RegExp][] = [
    [{ migrationSpeed: 0 }, /migrationSpeed must be a positive number of bytes\/s, got '0'/],
    [{ migrationSpeed: Infinity }, /migrationSpeed must be a positive/],
    [{ bandwidth: -1 }, /bandwidth must be a positive/],
    [{ bandwidth: NaN }, /bandwidth must be a positive/],
    [{ latency: -1e-6 }, /latency must be a non-negative number of seconds/],
    [{ maxRounds: 1.5 }, /maxRounds must be a non-negative integer/],
    [{ dirtyIntensity: 1.2 }, /dirtyIntensity must be between 0 and 1/],
    [{ computeCost: -1 }, /computeCost must be a non-negative/],
    [{ crashes: { meanInterval: 0, duration: 10 } }, /crashMeanInterval must be a positive number of seconds/],
    [{ crashes: { meanInterval: 10, duration: NaN } }, /crashDuration must be a positive number of seconds/],
    [{ cores: 0 }, /cores must be a positive integer, got 0/],
    [{ memoryMiB: 1024.5 }, /memoryMiB must be a positive integer/],
    [{ vmVcpus: 0 }, /vmVcpus must be a positive integer/],
    [{ vmMemoryMiB: -5 }, /vmMemoryMiB must be a positive integer/],
    [{ nodes: 0 }, /nodes must be a positive integer/],
    [{ vmsPerNode: -1 }, /vmsPerNode must be a non-negative integer/],
    [{ seed: 0.5 }, /seed must be an integer/],
    [{ load: { kind: "gaussian", mean: 0.5, std: -1 } }, /std must be a finite number >= 0/],
    [{ load: { kind: "gaussian", mean: 0.5, std: 0.1, loadPeriod: 0 } }, /loadPeriod must be a positive number/],
    [{ load: { kind: "constant", load: 2 } }, /constant load must be between 0 and 1/],
  ];
  for (const [spec, message] of bad) {
    it(`createSimCluster rejects ${JSON.stringify(spec)}`, () => {
      const attempt = () => createSimCluster({ ...base, ...spec });
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(message);
    });
  }

  it("setVmLoad takes 0 to the VM's vCPUs", () => {
    const c = createSimCluster({ ...base, vmVcpus: 2 });
    c.setVmLoad("vm-00000", 2);
    expect(() => c.setVmLoad("vm-00000", 2.5)).toThrow(/between 0 and its 2 vCPUs, got 2.5/);
    expect(() => c.setVmLoad("vm-00000", -1)).toThrow(UsageError);
  });

  it("the CLI refuses --testbed-opt migrationSpeed=0 with one line on stderr and exit 2", async () => {
    const run = await execa("node", [BIN, "run", "workflows/live-migration.ts", "--testbed-opt", "migrationSpeed=0"], { reject: false, cwd: ROOT, env: { CI: "1" } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/migrationSpeed must be a positive number of bytes\/s, got '0'/);
  });
});
