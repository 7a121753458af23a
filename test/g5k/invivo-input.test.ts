/** What an in-vivo run refuses before anything is reserved: one line, exit 2, no job submitted. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../plugins/g5k/index.ts";
import { ROOT } from "../engine/cli-helpers.ts";
import { startStandin, type Standin } from "./standin/server.ts";

const BIN = join(ROOT, "bin/g5k-flow.js");

describe("deploy-vms with --testbed g5k refuses bad input before reserving", () => {
  let standin: Standin;
  const results = mkdtempSync(join(tmpdir(), "g5k-invivo-input-"));
  beforeAll(async () => {
    standin = await startStandin({ clock: systemClock, users: { alice: "pw" }, timings: { waiting: 0, launching: 0, deploying: 0 } });
  });
  afterAll(async () => {
    await standin?.stop();
  });

  const cases: Array<[string, string[], string[], RegExp]> = [
    ["an unknown image", ["environment=debian11-nosuch"], [], /^g5k-flow: workflow error: g5k: no environment 'debian11-nosuch' on rennes \(e\.g\. [^)]*debian11-min/],
    ["an unknown cluster", ["cluster=nosuch"], [], /no cluster 'nosuch' on rennes \(known: paranoia, parapide, parapluie, parasilo, paravance\)/],
    ["an environment that cannot run KVM guests", ["environment=debian11-xen"], [], /environment 'debian11-xen' cannot host KVM guests \(x86_64, Xen kernel\)/],
    ["a cluster without hardware virtualization", ["sites=lyon", "cluster=sagittaire"], [], /cluster 'sagittaire' has no hardware virtualization \(Reference API: sagittaire-1\.lyon\.grid5000\.fr supported_job_types\.virtual = false\)/],
    ["a subnet too small for the VMs", ["subnets=1"], ["nodes=20", "vmsPerNode=60"], /1200 VMs on rennes need 2 \/22 block\(s\) of addresses, subnets=1 gives 1022: raise the 'subnets' option/],
  ];
  it.each(cases)("%s", async (_, opts, params, message) => {
    const run = await execa(
      "node",
      [BIN, "run", "workflows/deploy-vms.ts", "--testbed", "g5k", "--testbed-opt", `api=${standin.apiUrl}`, ...opts.flatMap((o) => ["--testbed-opt", o]), ...(params.length ? params : ["nodes=2"]).flatMap((p) => ["--param", p]), "--results", results],
      { cwd: ROOT, reject: false, env: { G5K_USER: "alice", G5K_PASSWORD: "pw", CI: "1" } },
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(standin.store.jobs.size).toBe(0);
  }, 60_000);
});
