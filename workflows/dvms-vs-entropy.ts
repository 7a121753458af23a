/**
 * The headline experiment of the DVMS papers: the same datacenter under the
 * same injected load (same seed), scheduled by Entropy (centralized), DVMS
 * (decentralized) and nobody (baseline), at one or several scales, each
 * `repeats` times on seeds derived from the run seed (docs/metrics.md): the
 * report draws the mean over repetitions with its 95 % confidence interval.
 */
import { migrationRows, overloadRows, overloads, param, repeatSeed, schedulingFigures, space, workflow } from "g5k-flow";

/** The simulator runs 1,000,000 PMs / 8,000,000 VMs (BENCHMARKS.md, bench:headline). */
const MAX_PMS = 1_000_000;

export default workflow({
  name: "dvms-vs-entropy",
  description: "DVMS vs Entropy vs no scheduler: time to solve overloads, violation time, migrations, partition sizes",
  params: {
    scales: param.list(param.int(0, "", { min: 4, max: MAX_PMS }), [500, 1000, 2000, 4000], "PM counts to compare at (10000 reaches the papers' 10K PMs / 80K VMs)"),
    pms: param.int(0, "one PM count to run instead of scales (0: use scales)", { min: 0, max: MAX_PMS }),
    repeats: param.int(1, "repetitions of each (scale, scheduler), one seed each: the run seed, then seeds derived from it", { min: 1, max: 100 }),
    vmsPerPm: param.int(8, "VMs per physical machine", { min: 1, max: 64 }),
    cores: param.int(6, "cores per physical machine (1 vCPU per VM)", { min: 1, max: 256 }),
    memoryMiB: param.int(32_768, "memory per physical machine, MiB", { min: 1024 }),
    duration: param.duration("30m", "simulated (or wall) time each scheduler runs", { min: 1 }),
    loadMean: param.number(0.6, "mean VM CPU load (VMPlaceS injector)", { min: 0, max: 1 }),
    loadStd: param.number(0.2, "standard deviation of VM CPU load", { min: 0, max: 1 }),
    schedulers: param.list(param.choice(["dvms", "entropy", "none"] as const, "dvms"), ["entropy", "dvms", "none"], "schedulers to compare"),
  },
  report: {
    title: "DVMS vs Entropy",
    // the end-of-run table: scheduler x scale
    results: { rows: "results", columns: ["scheduler", "scale", "violations", "violationSeconds", "medianTimeToSolve", "migrations"] },
    charts: [
      { title: "Median time to solve an overload", table: "scales", kind: "line", x: "scale", y: "medianTimeToSolve", series: "scheduler", xLabel: "physical machines", yLabel: "seconds" },
      { title: "Cumulated violation time", table: "scales", kind: "bar", x: "scale", y: "violationSeconds", series: "scheduler", xLabel: "physical machines", yLabel: "seconds" },
      { title: "Time to solve, distribution", table: "overloads", kind: "boxplot", x: "scheduler", y: "timeToSolve", series: "scheduler", yLabel: "seconds" },
      { title: "Migrations", table: "scales", kind: "bar", x: "scale", y: "migrations", series: "scheduler", xLabel: "physical machines", yLabel: "migrations" },
      { title: "Scheduler compute time (total)", table: "scales", kind: "line", x: "scale", y: "computeSeconds", series: "scheduler", xLabel: "physical machines", yLabel: "seconds" },
      { title: "Migration time (total)", table: "scales", kind: "line", x: "scale", y: "migrationSeconds", series: "scheduler", xLabel: "physical machines", yLabel: "seconds" },
      { title: "DVMS partition sizes", table: "isp", kind: "histogram", x: "size", y: "size", xLabel: "nodes in the partition", yLabel: "ISPs" },
    ],
  },
  async run(x, p) {
    const scales = p.pms > 0 ? [p.pms] : p.scales;
    // one sweep point per (scale, scheduler, repetition): an interrupted comparison resumes where it stopped
    const repeats = Array.from({ length: p.repeats }, (_, r) => r);
    const runs = await x.sweep("compare", space.product({ scale: scales, scheduler: p.schedulers, repeat: repeats }), async ({ scale, scheduler, repeat }, s) => {
      // the same seed for every scheduler of one repetition: they face the same datacenter and load
      const seed = repeatSeed(x.seed, repeat);
      const labels = { scale, scheduler, repeat, seed };
      const nodes = await s.deploy(await s.reserve({ nodes: scale, cores: p.cores, memoryMiB: p.memoryMiB, walltime: p.duration + 3600, seed }));
      const vms = await s.bootVms(nodes, { perNode: p.vmsPerPm, vcpus: 1, memoryMiB: 1024 });
      await s.stress(vms, { kind: "gaussian", mean: p.loadMean, std: p.loadStd });
      const report = await s.schedule(scheduler, { for: p.duration, ...(scheduler === "dvms" ? { options: { seed } } : {}) });
      const metrics = await s.collect();
      const events = overloads(metrics);
      const figures = { ...labels, ...schedulingFigures(events, metrics, report) };
      s.metrics("scales", [figures]);
      s.metrics("overloads", overloadRows(events, labels));
      s.metrics("migrations", migrationRows(metrics.migrations, labels));
      for (const [table, rows] of Object.entries(report.tables)) s.metrics(table, rows.map((row) => ({ ...labels, ...row })));
      s.log(`${scheduler} at ${scale} PMs (seed ${seed}): ${figures.violations} overloads, median time to solve ${figures.medianTimeToSolve ?? "-"} s, ${figures.migrations} migrations`);
      return figures;
    });
    x.summary({ scales, schedulers: [...p.schedulers], repeats: p.repeats, results: runs.flatMap((r) => (r.status === "done" ? [r.output] : [])) });
  },
});
