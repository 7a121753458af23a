import { execa } from "execa";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readJournal, readManifest } from "../../engine/archive/run-archive.ts";
import { ROOT } from "../engine/cli-helpers.ts";

const BIN = join(ROOT, "bin/g5k-flow.js");
const run = (args: readonly string[]) => execa("node", [BIN, ...args], { reject: false, cwd: ROOT, env: { CI: "1" } });

interface Figures {
  scale: number;
  scheduler: string;
  violations: number;
  violationSeconds: number;
  medianTimeToSolve: number | null;
  migrations: number;
  computeSeconds: number;
}

function csv(file: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const columns = header.split(",");
  return rows.map((row) => Object.fromEntries(row.split(",").map((v, i) => [columns[i], v])));
}

describe("workflows/dvms-vs-entropy.ts on the simulated testbed (small)", () => {
  let dir: string;
  let summary: { scales: number[]; schedulers: string[]; results: Figures[] };

  beforeAll(async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-headline-"));
    const result = await run(["run", "workflows/dvms-vs-entropy.ts", "--param", "scales=64,128", "--param", "duration=20m", "--seed", "3", "--json", "--results", results]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    dir = printed.run;
    summary = printed.summary;
  });

  it("archives the run with its report and every metrics table", () => {
    const manifest = readManifest(dir);
    expect(manifest).toMatchObject({ status: "ok", seed: 3, testbed: { kind: "sim" } });
    expect(manifest.params).toMatchObject({ scales: [64, 128], duration: 1200, vmsPerPm: 8 });
    for (const file of ["summary.json", "report.html", "workflow.mts", "metrics/scales.csv", "metrics/overloads.csv", "metrics/migrations.csv", "metrics/isp.csv", "metrics/entropy.csv"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readJournal(dir).filter((e) => e.event === "point-end" && e.status === "done")).toHaveLength(6);
  });

  it("summarizes every scheduler at every scale with the papers' figures", () => {
    expect(summary.scales).toEqual([64, 128]);
    expect(summary.results.map((r) => `${r.scheduler}@${r.scale}`)).toEqual(["entropy@64", "dvms@64", "none@64", "entropy@128", "dvms@128", "none@128"]);
    for (const r of summary.results) {
      expect(r.violations).toBeGreaterThan(0);
      expect(r.violationSeconds).toBeGreaterThan(0);
      if (r.scheduler === "none") expect(r.migrations).toBe(0);
      else expect(r.migrations).toBeGreaterThan(0);
    }
    // the table and the summary hold the same figures
    const table = csv(join(dir, "metrics/scales.csv"));
    expect(table.map((row) => Number(row.violationSeconds))).toEqual(summary.results.map((r) => r.violationSeconds));
  });

  it("shows DVMS solving overloads faster than Entropy, and both beating no scheduler", () => {
    for (const scale of [64, 128]) {
      const at = (s: string): Figures => summary.results.find((r) => r.scale === scale && r.scheduler === s) as Figures;
      expect(at("dvms").medianTimeToSolve).toBeLessThan(at("entropy").medianTimeToSolve as number);
      expect(at("dvms").violationSeconds).toBeLessThan(at("none").violationSeconds);
      expect(at("entropy").violationSeconds).toBeLessThan(at("none").violationSeconds);
    }
    const sizes = csv(join(dir, "metrics/isp.csv")).map((row) => Number(row.size)).filter(Number.isFinite);
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(2);
  });

  it("keeps wall-clock measurements out of the simulated tables", () => {
    const [entropyHeader] = readFileSync(join(dir, "metrics/entropy.csv"), "utf8").split("\n");
    expect(entropyHeader.split(",")).toEqual(["scale", "scheduler", "repeat", "seed", "start", "computeSeconds", "work", "managedVms", "migrations", "status"]);
  });

  it("reruns from the archive to an identical summary and byte-identical metrics files", async () => {
    const result = await run(["rerun", dir, "--json"]);
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.identical).toBe(true);
    expect(JSON.parse(readFileSync(join(printed.rerun, "summary.json"), "utf8"))).toEqual(summary);
    const tables = (archive: string) => readdirSync(join(archive, "metrics")).filter((f) => f.endsWith(".csv")).sort();
    expect(tables(dir)).toEqual(["entropy.csv", "isp.csv", "migrations.csv", "overloads.csv", "scales.csv"]);
    expect(tables(printed.rerun)).toEqual(tables(dir));
    for (const file of ["summary.json", ...tables(dir).map((f) => `metrics/${f}`)]) {
      expect(readFileSync(join(printed.rerun, file)).equals(readFileSync(join(dir, file))), file).toBe(true);
    }
  });
});

describe("workflows/dvms-vs-entropy.ts with repetitions", () => {
  it("runs each (scale, scheduler) once per seed, the run seed first, and keeps the seed in every table", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-headline-repeats-"));
    const result = await run(["run", "workflows/dvms-vs-entropy.ts", "--param", "pms=48", "--param", "repeats=3", "--param", "schedulers=dvms,none", "--param", "duration=10m", "--seed", "5", "--json", "--results", results]);
    expect(result.exitCode).toBe(0);
    const { run: dir, summary } = JSON.parse(result.stdout) as { run: string; summary: { repeats: number; results: (Figures & { repeat: number; seed: number })[] } };
    expect(summary.repeats).toBe(3);
    const seeds = summary.results.filter((r) => r.scheduler === "dvms").map((r) => r.seed);
    expect(seeds[0]).toBe(5);
    expect(new Set(seeds).size).toBe(3);
    // both schedulers of a repetition face the same datacenter and load: the same seed
    expect(summary.results.filter((r) => r.scheduler === "none").map((r) => r.seed)).toEqual(seeds);
    // other seeds, other injected loads: the baseline's figures differ between repetitions
    expect(new Set(summary.results.filter((r) => r.scheduler === "none").map((r) => r.violationSeconds)).size).toBe(3);
    for (const table of ["scales", "overloads", "migrations", "isp"]) {
      const rows = csv(join(dir, `metrics/${table}.csv`));
      expect(rows.length, table).toBeGreaterThan(0);
      expect(new Set(rows.map((row) => Number(row.seed))), table).toEqual(new Set(table === "scales" || table === "overloads" ? seeds : rows.map((row) => Number(row.seed))));
      for (const row of rows) expect(seeds, table).toContain(Number(row.seed));
    }
    // the report draws the mean over repetitions with its interval
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("whiskers their 95 % confidence interval");
  });
});
