import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { Manifest } from "../archive/manifest.ts";
import { readManifest, readSummary } from "../archive/run-archive.ts";
import { summaryFigures } from "../archive/summary-figures.ts";
import { UsageError } from "../errors.ts";
import { meanInterval, welchTest, type MeanInterval, type WelchTest } from "../metrics/stats.ts";
import { formatNumber } from "../report/format.ts";
import { textTable } from "./text-table.ts";

interface Run {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly figures: Map<string, number>;
}

/** Runs of one configuration (same workflow source, params, testbed): repetitions differing by seed only. */
interface Group {
  readonly label: string;
  readonly runs: readonly Run[];
}

export interface ComparedFigure {
  readonly figure: string;
  /** Per group, in group order: the values and their mean with its 95 % CI (null where the figure is missing). */
  readonly groups: readonly ({ readonly values: readonly number[] } & MeanInterval)[] | readonly null[];
  /** Welch's t-test of each later group against the first (null below two values a side). */
  readonly tests: readonly { readonly group: string; readonly vs: string; readonly test: WelchTest | null }[];
}

const configuration = (m: Manifest): string => JSON.stringify([m.workflow.name, m.workflow.sourceSha256, m.params, m.testbed.kind, m.testbed.options]);

function load(dir: string): Run {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  const summary = readSummary(dir);
  if (!summary) throw new UsageError(`run ${manifest.id} has no summary.json to compare (status ${manifest.status})`);
  return { dir, manifest, figures: summaryFigures(summary) };
}

function groupsOf(runs: readonly Run[]): Group[] {
  const byConfig = new Map<string, Run[]>();
  for (const run of runs) byConfig.set(configuration(run.manifest), [...(byConfig.get(configuration(run.manifest)) ?? []), run]);
  return [...byConfig.values()].map((members, i) => ({ label: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ""), runs: members }));
}

/** What sets a group apart from the first one: workflow, source, params, testbed. */
function differences(group: Group, first: Group): string {
  const a = group.runs[0].manifest;
  const b = first.runs[0].manifest;
  if (group === first) return "";
  const out: string[] = [];
  if (a.workflow.name !== b.workflow.name) out.push(`workflow ${a.workflow.name}`);
  else if (a.workflow.sourceSha256 !== b.workflow.sourceSha256) out.push("workflow source differs");
  for (const key of new Set([...Object.keys(a.params), ...Object.keys(b.params)])) {
    if (JSON.stringify(a.params[key]) !== JSON.stringify(b.params[key])) out.push(`${key}=${JSON.stringify(a.params[key])}`);
  }
  if (a.testbed.kind !== b.testbed.kind || JSON.stringify(a.testbed.options) !== JSON.stringify(b.testbed.options)) out.push(`testbed ${a.testbed.kind}`);
  return out.length ? `  (vs A: ${out.join(", ")})` : "";
}

export function compareRuns(dirs: readonly string[]): { groups: Group[]; figures: ComparedFigure[] } {
  if (dirs.length < 2) throw new UsageError(`compare needs at least two runs, got ${dirs.length}`);
  const runs = dirs.map(load);
  const groups = groupsOf(runs);
  const names = [...new Set(runs.flatMap((r) => [...r.figures.keys()]))];
  const figures = names.map((figure): ComparedFigure => {
    const samples = groups.map((g) => g.runs.flatMap((r) => (r.figures.has(figure) ? [r.figures.get(figure)!] : [])));
    const stats = samples.map((values) => {
      const interval = meanInterval(values);
      return interval ? { values, ...interval } : null;
    });
    const tests = groups.slice(1).map((g, i) => ({ group: g.label, vs: groups[0].label, test: welchTest(samples[i + 1], samples[0]) }));
    return { figure, groups: stats as ComparedFigure["groups"], tests };
  });
  return { groups, figures };
}

function cellOf(stat: ComparedFigure["groups"][number]): string {
  if (stat === null) return "-";
  if (stat.n === 1) return formatNumber(stat.mean);
  return `${formatNumber(stat.mean)} ± ${formatNumber(stat.halfWidth)}`;
}

/**
 * `g5k-flow compare <run> <run>...`: the runs' summary figures side by side.
 * Runs of one configuration that differ only by seed are repetitions of a
 * group: its column shows the mean ± the 95 % CI half-width, and each later
 * group gets Welch's t-test p-value against the first.
 */
export function compareCommand(dirs: readonly string[], json: boolean): number {
  const { groups, figures } = compareRuns(dirs);
  if (json) {
    const out = {
      groups: groups.map((g) => ({ label: g.label, runs: g.runs.map((r) => r.dir), seeds: g.runs.map((r) => r.manifest.seed), workflow: g.runs[0].manifest.workflow.name, params: g.runs[0].manifest.params })),
      figures,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  const repeated = groups.some((g) => g.runs.length > 1);
  const tested = groups.length > 1 && groups[0].runs.length > 1 && groups.slice(1).some((g) => g.runs.length > 1);
  const header = ["figure", ...groups.map((g) => (g.runs.length > 1 ? `${g.label} (n=${g.runs.length})` : g.label)), ...(tested ? groups.slice(1).map((g) => `p ${g.label}/A`) : [])];
  const rows = figures.map((f) => [
    f.figure,
    ...f.groups.map(cellOf),
    ...(tested ? f.tests.map((t) => (t.test ? `${formatNumber(t.test.p)}${t.test.p < 0.05 ? " *" : ""}` : "-")) : []),
  ]);
  const legend = groups.map((g) => `${g.label}  ${g.runs.map((r) => basename(r.dir)).join(", ")}  seed ${g.runs.map((r) => r.manifest.seed).join(",")}${differences(g, groups[0])}`);
  const notes = [
    ...(repeated ? ["runs that differ only by seed are grouped as repetitions: mean ± 95 % CI half-width (Student t)"] : []),
    ...(tested ? ["p: Welch's t-test against A, two-sided; * below 0.05"] : []),
  ];
  process.stdout.write(`${[...legend, "", ...textTable(header, rows), ...(notes.length ? ["", ...notes] : [])].join("\n")}\n`);
  return 0;
}
