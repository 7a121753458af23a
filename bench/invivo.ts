/**
 * The in-vivo deployment cycle against the Grid'5000 stand-in (bare
 * namespaced nodes behind a namespaced access gateway, reinstalled by every
 * deployment): `workflows/deploy-vms.ts` with --testbed g5k at 4 and 8
 * nodes, one TCG guest per node, then provisioning run again on the
 * provisioned nodes (a no-op: one probe command per node, starting no
 * process but its bash) and timed against
 * the first, from a new process and again with its connections open. Seconds per stage
 * against the number of nodes, as the Flauncher paper's figure 2. Needs
 * root, the local testbed's packages and its guest image.
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { readJournal } from "../engine/archive/run-archive.ts";
import type { StepContext } from "../engine/testbed.ts";
import { createG5kTestbed } from "../plugins/g5k/index.ts";
import { buildGuestImage } from "../plugins/libvirt/index.ts";
import { param } from "../engine/dsl/params.ts";
import { namespacedG5k } from "../test/g5k/namespaced.ts";
import { benchArgs } from "./args.ts";
import { cleanupOnInterrupt } from "./interrupt.ts";

const SIZES = benchArgs({
  name: "invivo",
  description: "workflows/deploy-vms.ts with --testbed g5k against the namespaced Grid'5000 stand-in, one TCG guest per node, then provisioning again: seconds per stage. Needs root. Last line: one JSON object.",
  flags: { nodes: param.list(param.int(0, "", { min: 1 }), [4, 8], "node counts, one deployment each") },
  env: { nodes: "INVIVO_NODES" },
  examples: ["npm run bench:invivo -- --nodes 4"],
}).nodes;
const ROOT = join(import.meta.dirname, "..");
const ctx: StepContext = { step: "bench", signal: new AbortController().signal, seed: 1, log: () => undefined, progress: () => undefined, journal: () => undefined, keepOutput: () => undefined };

interface Summary {
  readonly nodes: number;
  readonly provisioned: number;
  readonly failedNodes: readonly string[];
  readonly vmsBooted: number;
  readonly bootFailures: number;
  readonly bootRetries: number;
  readonly stages: Readonly<Record<string, number>>;
}

await buildGuestImage(() => undefined);
const bySize: Record<number, Summary & { provisionedFromBare: boolean; reprovisionSeconds: number; reprovisionWarmSeconds: number; wallSeconds: number }> = {};
const ratio = (again: number, first: number | undefined): number => Number((again / (first ?? Number.NaN)).toFixed(3));
for (const n of SIZES) {
  const env = await namespacedG5k(n);
  const envRegistered = cleanupOnInterrupt("invivo", () => env.close());
  try {
    const results = mkdtempSync(join(tmpdir(), "bench-invivo-"));
    const opts = Object.entries({ ...env.options, jobName: `bench-invivo-${n}` }).flatMap(([k, v]) => ["--testbed-opt", `${k}=${v}`]);
    const params = [`nodes=${n}`, "vmsPerNode=1", "memoryMiB=256"].flatMap((p) => ["--param", p]);
    const t0 = Date.now();
    const run = await execa("node", [join(ROOT, "bin/g5k-flow.js"), "run", "workflows/deploy-vms.ts", "--testbed", "g5k", ...params, ...opts, "--json", "--results", results], { cwd: ROOT, reject: false, env: { CI: "1" } });
    const wallSeconds = (Date.now() - t0) / 1000;
    if (run.exitCode !== 0) throw new Error(`deploy-vms at ${n} nodes failed: ${run.stderr.trim().split("\n").at(-1)}`);
    const printed = JSON.parse(run.stdout) as { run: string; summary: Summary };
    // From bare: every node's bridge and libvirtd were made by this run, none found in place (the stand-in reinstalled them).
    const journal = readJournal(printed.run);
    const made = (stage: string) => journal.some((e) => e.event === "provision-stage" && e.stage === stage && e.skipped === 0 && e.ok === n);
    const provisionedFromBare = made("bridge") && made("libvirtd");
    // Again on the provisioned nodes (reserve does not reinstall them): every sub-step finds its work done.
    const tb = createG5kTestbed({ seed: 1, options: { ...env.options, jobName: `bench-invivo-again-${n}` }, archiveDir: results, log: () => undefined }, { env: {} });
    let reprovisionSeconds = Number.NaN;
    let reprovisionWarmSeconds = Number.NaN;
    const tbRegistered = cleanupOnInterrupt("invivo", () => tb.release());
    try {
      const reserved = await tb.reserve({ nodes: n }, ctx);
      // Provisioning alone, as the first run's `provision` stage: from a new process (SSH connections opened, as there), then
      // once more in the same one (connections open: what a step provisioning again within a run costs).
      for (const warm of [false, true]) {
        const t1 = Date.now();
        const report = await tb.provision(reserved, ctx);
        if (warm) reprovisionWarmSeconds = (Date.now() - t1) / 1000;
        else reprovisionSeconds = (Date.now() - t1) / 1000;
        // A no-op: the probe found every node provisioned, no sub-step ran.
        if (Object.keys(report.stages).join() !== "probe" || report.skipped !== report.steps - report.nodes.length) throw new Error(`provisioning again did work: ${Object.keys(report.stages).join(", ")} ran, ${report.skipped} of ${report.steps} sub-steps skipped`);
      }
    } finally {
      await tb.release();
      tbRegistered();
    }
    bySize[n] = { ...printed.summary, provisionedFromBare, reprovisionSeconds, reprovisionWarmSeconds, wallSeconds };
    const s = printed.summary.stages;
    console.log(
      `${n} nodes: ${Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")}; ${printed.summary.vmsBooted} VMs booted, ` +
        `${printed.summary.failedNodes.length} node(s) failed, ${printed.summary.bootRetries} boot retries; from bare: ${provisionedFromBare}; ` +
        `provisioning again ${reprovisionSeconds.toFixed(2)} s from a new process (${(100 * ratio(reprovisionSeconds, s.provision)).toFixed(1)} % of the first), ` +
        `${reprovisionWarmSeconds.toFixed(2)} s with its connections open (${(100 * ratio(reprovisionWarmSeconds, s.provision)).toFixed(1)} %)`,
    );
  } finally {
    await env.close();
    envRegistered();
  }
}
const largest = Math.max(...SIZES);
const top = bySize[largest]!;
console.log(
  JSON.stringify({
    nodes: largest,
    vmsBooted: top.vmsBooted,
    provisionedFromBare: SIZES.every((n) => bySize[n]!.provisionedFromBare),
    stages: top.stages,
    failedNodes: top.failedNodes,
    bootRetries: top.bootRetries,
    reprovisionSeconds: Number(top.reprovisionSeconds.toFixed(3)),
    reprovisionRatio: ratio(top.reprovisionSeconds, top.stages.provision),
    reprovisionWarmSeconds: Number(top.reprovisionWarmSeconds.toFixed(3)),
    reprovisionWarmRatio: ratio(top.reprovisionWarmSeconds, top.stages.provision),
    bySize: Object.fromEntries(SIZES.map((n) => [n, { stages: bySize[n]!.stages, vmsBooted: bySize[n]!.vmsBooted, reprovisionSeconds: bySize[n]!.reprovisionSeconds, reprovisionRatio: ratio(bySize[n]!.reprovisionSeconds, bySize[n]!.stages.provision), reprovisionWarmSeconds: bySize[n]!.reprovisionWarmSeconds, reprovisionWarmRatio: ratio(bySize[n]!.reprovisionWarmSeconds, bySize[n]!.stages.provision), wallSeconds: bySize[n]!.wallSeconds }])),
    loadavg: loadavg().map((l) => Number(l.toFixed(2))),
  }),
);
