import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "../../engine/archive/manifest.ts";
import { RunArchive } from "../../engine/archive/run-archive.ts";
import type { ReportSpec } from "../../engine/dsl/workflow.ts";
import type { MetricRow } from "../../engine/scheduler.ts";

/** Small seeded generator (mulberry32): fixtures identical on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SCALES = [500, 1000, 2000, 4000];
export const SCHEDULERS = ["dvms", "entropy", "none"];

export const PARAMS = { pms: 500, vmsPerPm: 8, duration: "10min", loadMean: 0.7, loadStd: 0.2, schedulers: SCHEDULERS, scales: SCALES };

export const SPEC: ReportSpec = {
  title: "DVMS vs Entropy",
  charts: [
    { title: "Time to solve per scale", table: "scales", kind: "line", x: "scale", y: "medianTimeToSolve", series: "scheduler", xLabel: "physical machines", yLabel: "median time to solve (s)" },
    { title: "Cumulated violation time", table: "scales", kind: "bar", x: "scale", y: "violationSeconds", series: "scheduler", xLabel: "physical machines", yLabel: "violation time (s)", logY: true },
    { title: "Time to solve distribution at 1000 PMs", table: "overloads", kind: "boxplot", x: "scheduler", y: "timeToSolve", series: "scheduler", where: { scale: 1000 }, xLabel: "scheduler", yLabel: "time to solve (s)" },
    { title: "DVMS partition sizes", table: "isp", kind: "histogram", x: "size", y: "size", xLabel: "partition size (nodes)", yLabel: "partitions" },
    { title: "Migration duration vs start", table: "migrations", kind: "scatter", x: "start", y: "duration", series: "scheduler", xLabel: "start (s)", yLabel: "duration (s)" },
    { title: "Energy per scale", table: "energy", kind: "line", x: "scale", y: "joules", xLabel: "physical machines", yLabel: "energy (J)" },
  ],
};

export interface Fixture {
  readonly dir: string;
  readonly summary: Record<string, unknown>;
  /** timeToSolve of the overloads at scale 1000, per scheduler. */
  readonly overloads1000: Readonly<Record<string, number[]>>;
  readonly ispSizes: readonly number[];
}

function manifest(id: string): Manifest {
  return {
    format: 1,
    id,
    workflow: { name: "dvms-vs-entropy", path: "workflows/dvms-vs-entropy.ts", source: "workflow.mts", sourceSha256: "0".repeat(64) },
    params: PARAMS,
    seed: 42,
    testbed: { kind: "sim", options: { latency: "1ms" }, descriptions: [] },
    engine: { version: "0.1.0", node: "v20.19.0", lockfileSha256: null },
    hosts: ["pm-0", "pm-1"],
    start: "2026-11-21T10:00:00.000Z",
    end: null,
    status: "running",
    error: null,
  };
}

/** A finished run archive shaped like the headline experiment's, with seeded data. */
export function buildArchive(spec: ReportSpec = SPEC): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "g5k-report-"));
  const rand = random(7);
  const archive = RunArchive.create(dir, manifest("2026-11-21T10-00-00-dvms-vs-entropy"));
  const scales: MetricRow[] = [];
  const overloads: MetricRow[] = [];
  const migrations: MetricRow[] = [];
  const isp: MetricRow[] = [];
  const overloads1000: Record<string, number[]> = {};
  const ispSizes: number[] = [];
  for (const scale of SCALES) {
    for (const scheduler of SCHEDULERS) {
      // DVMS solves in seconds at every scale; Entropy's period grows with scale; none never solves
      const base = scheduler === "dvms" ? 2 : scheduler === "entropy" ? 20 + scale / 40 : 600;
      const times: number[] = [];
      for (let i = 0; i < 12; i++) {
        const t = Number((base * (0.5 + rand())).toFixed(3));
        times.push(t);
        overloads.push({ scale, scheduler, node: `pm-${i}`, start: i * 30, end: i * 30 + t, timeToSolve: t });
      }
      if (scale === 1000) overloads1000[scheduler] = times;
      const sorted = [...times].sort((a, b) => a - b);
      scales.push({
        scale,
        scheduler,
        violationSeconds: times.reduce((a, b) => a + b, 0),
        violations: times.length,
        medianTimeToSolve: (sorted[5] + sorted[6]) / 2,
        p90TimeToSolve: sorted[10],
        migrations: scheduler === "none" ? 0 : 10 + Math.floor(rand() * 30),
        meanMigrationSeconds: scheduler === "none" ? null : 4 + rand() * 3,
        computeSeconds: scheduler === "dvms" ? 0.2 : scale / 300,
        reconfigurationSeconds: scheduler === "none" ? 0 : 8 + rand() * 4,
      });
      if (scheduler === "none") continue;
      for (let i = 0; i < 25; i++) {
        const start = Number((rand() * 600).toFixed(2));
        const duration = Number((3 + rand() * 5).toFixed(2));
        migrations.push({ scale, scheduler, vm: `vm-${i}`, from: `pm-${i}`, to: `pm-${i + 1}`, start, end: start + duration, duration, downtime: 0.05, outcome: "ok" });
      }
    }
    for (let i = 0; i < 30; i++) {
      const size = 2 + Math.floor(rand() * rand() * 14);
      ispSizes.push(size);
      isp.push({ scale, start: i * 20, end: i * 20 + 3, size, hops: size + 1, migrations: 1, outcome: i % 9 === 0 ? "dissolved" : "solved" });
    }
  }
  archive.appendMetrics("scales", scales);
  archive.appendMetrics("overloads", overloads);
  archive.appendMetrics("migrations", migrations);
  archive.appendMetrics("isp", isp);
  const summary = {
    wallSeconds: 61.25,
    identicalLoad: true,
    scales: SCALES,
    dvms: { medianTimeToSolve: 2.1, violations: 48, migrations: 96 },
    entropy: { medianTimeToSolve: 51.7, violations: 48, migrations: 110 },
    perScale: { "500": { dvms: { medianTimeToSolve: 2.0 }, entropy: { medianTimeToSolve: 33.1 } } },
    notes: "seeded <load> & friends",
  };
  archive.mergeSummary(summary);
  archive.finish("ok", null);
  writeFileSync(join(dir, "report.json"), JSON.stringify(spec, null, 2));
  return { dir, summary, overloads1000, ispSizes };
}
