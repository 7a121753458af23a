import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { asText, optional, parseBenchArgs, type BenchUsage } from "../../bench/args.ts";
import { param, type ParamSpecs } from "../../engine/dsl/params.ts";
import { expectUsageError } from "../cli/usage.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

const usage = {
  name: "demo",
  description: "a demo bench",
  flags: {
    scales: param.list(param.int(0, "", { min: 1 }), [10, 20], "PM counts"),
    rounds: param.int(3, "rounds", { min: 1 }),
    schedulers: param.list(param.choice(["dvms", "entropy", "none"] as const, "dvms"), ["dvms", "none"], "schedulers"),
    duration: asText(param.duration("30m", "simulated time", { min: 1 }), "30m"),
    workers: optional(param.int(0, "workers", { min: 1 })),
    child: optional(param.int(0, "internal", { min: 1 })),
  },
  env: { scales: "DEMO_SCALES" },
  hidden: ["child" as const],
  examples: ["npm run bench:demo -- --scales 5"],
} satisfies BenchUsage<ParamSpecs>;

function parse(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const result = parseBenchArgs(usage, argv, env, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { result, out: out.join(""), err: err.join("") };
}

describe("bench flags (bench/args.ts)", () => {
  it("gives the defaults, typed, when no flag is given", () => {
    const { result, out, err } = parse([]);
    expect(result).toEqual({ ok: true, values: { scales: [10, 20], rounds: 3, schedulers: ["dvms", "none"], duration: "30m" } });
    expect(out + err).toBe("");
  });

  it("parses positive integers, integer lists, choice lists, and keeps a text flag as written", () => {
    const { result } = parse(["--scales", "5,1000", "--rounds", "7", "--schedulers", "entropy", "--duration", "1h30m", "--workers", "2"]);
    expect(result).toEqual({ ok: true, values: { scales: [5, 1000], rounds: 7, schedulers: ["entropy"], duration: "1h30m", workers: 2 } });
  });

  it("takes a flag's default from its environment variable, checked; the flag wins", () => {
    expect(parse([], { DEMO_SCALES: "7,8" }).result).toMatchObject({ ok: true, values: { scales: [7, 8] } });
    expect(parse(["--scales", "9"], { DEMO_SCALES: "7,8" }).result).toMatchObject({ ok: true, values: { scales: [9] } });
    const bad = parse([], { DEMO_SCALES: "7,x" });
    expect(bad.result).toEqual({ ok: false, exitCode: 2 });
    expect(bad.err).toMatch(/^bench:demo: \$DEMO_SCALES '7,x' is invalid\. .*expected number.*\n$/);
  });

  it.each([
    [["--bogus"], /^bench:demo: unknown option '--bogus'$/],
    [["--rounds"], /^bench:demo: option '--rounds <int>' argument missing$/],
    [["--rounds", "x"], /^bench:demo: option '--rounds <int>' argument 'x' is invalid\. .*expected number/],
    [["--rounds", "1.5"], /^bench:demo: option '--rounds <int>' argument '1\.5' is invalid\. .*expected int/],
    [["--rounds", "0"], /^bench:demo: option '--rounds <int>' argument '0' is invalid\. .*>=1/],
    [["--workers", "-2"], /^bench:demo: option '--workers <int>' argument '-2' is invalid\. .*>=1/],
    [["--scales", "abc"], /^bench:demo: option '--scales <list<int>>' argument 'abc' is invalid\. .*expected number/],
    [["--scales", "10,,20"], /^bench:demo: option '--scales <list<int>>' argument '10,,20' is invalid\./],
    [["--schedulers", "dvms,bogus"], /^bench:demo: option '--schedulers <list<choice\(dvms\|entropy\|none\)>>' argument 'dvms,bogus' is invalid\. .*"dvms"\|"entropy"\|"none"/],
    [["--duration", "soon"], /^bench:demo: option '--duration <duration>' argument 'soon' is invalid\./],
    [["1000"], /^bench:demo: unexpected argument '1000' \(flags only: --help lists them\)$/],
    [["--rounds", "2", "--", "--scales"], /^bench:demo: unexpected argument '--scales'/],
  ])("refuses %j: one line on stderr, exit code 2", (argv, message) => {
    const { result, out, err } = parse(argv);
    expect(result).toEqual({ ok: false, exitCode: 2 });
    expect(out).toBe("");
    expectUsageError({ exitCode: 2, stderr: err }, message);
  });

  it("--help prints the usage with defaults, leaves out hidden flags, exit code 0", () => {
    const { result, out, err } = parse(["--help"]);
    expect(result).toEqual({ ok: false, exitCode: 0 });
    expect(err).toBe("");
    expect(out).toMatch(/^Usage: npm run bench:demo -- \[options\]/);
    expect(out).toMatch(/--scales <list<int>>\s+PM counts \(or \$DEMO_SCALES\) \(default: 10,20\)/);
    expect(out).toContain("npm run bench:demo -- --scales 5");
    expect(out).not.toContain("--child");
  });
});

/** Every `npm run bench:*` script: its name and file (`tsx bench/<file>.ts`). */
const scripts = Object.entries((JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> }).scripts)
  .filter(([name]) => name.startsWith("bench:"))
  .map(([name, command]) => ({ name: name.slice("bench:".length), file: /^tsx (bench\/\S+\.ts)$/.exec(command)?.[1] ?? command }));

/** A bad value for each bench that takes flags. */
const badValues: Record<string, [string[], RegExp]> = {
  sim: [["--scales", "abc"], /argument 'abc' is invalid/],
  headline: [["--scales", "abc"], /argument 'abc' is invalid/],
  dvms: [["--over", "1000,x"], /argument '1000,x' is invalid/],
  solver: [["--instances", "li3,nope"], /argument 'li3,nope' is invalid/],
  invivo: [["--nodes", "x"], /argument 'x' is invalid/],
  local: [["--reps", "0"], /argument '0' is invalid/],
  "dvms-real": [["--rounds"], /argument missing/],
  faults: [["--trials", "2.5"], /argument '2.5' is invalid/],
  workers: [["--scales", "2"], /argument '2' is invalid/],
};

/**
 * A bench script's run, with the CPU seconds (user + system) it and its children used, from bash's `times`: on a
 * loaded machine wall time says little, CPU time tells start-up alone (a few seconds) from a bench at work.
 */
async function bench(file: string, args: string[]) {
  const times = join(mkdtempSync(join(tmpdir(), "bench-args-")), "times");
  const r = await execa("bash", ["-c", '"$@"; rc=$?; times > "$TIMES"; exit $rc', "bench", `${root}node_modules/.bin/tsx`, file, ...args], { cwd: root, reject: false, env: { TIMES: times } });
  const children = existsSync(times) ? (readFileSync(times, "utf8").trim().split("\n")[1] ?? "") : `no times: exit ${r.exitCode}, signal ${r.signal}`;
  rmSync(dirname(times), { recursive: true, force: true });
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + 60 * Number(m[1]) + Number(m[2]), 0);
  return { ...r, cpuSeconds };
}

// One script at a time: each start-up costs a few CPU seconds, and the machine is shared.
describe("every bench script refuses a bad command line before doing anything", () => {
  it("covers every bench:* script", () => {
    expect(scripts.length).toBeGreaterThanOrEqual(13);
    for (const s of scripts) expect(s.file).toMatch(/^bench\/[\w-]+\.ts$/);
  });

  it.each(scripts)("bench:$name refuses an unknown flag", async ({ name, file }) => {
    const r = await bench(file, ["--bogus"]);
    expectUsageError(r, new RegExp(`^bench:${name}: unknown option '--bogus'$`));
    // nothing measured, nothing printed: it ended within its start-up (the benches themselves take minutes of CPU)
    expect(r.stdout).toBe("");
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.cpuSeconds).toBeLessThan(20);
  }, 150_000);

  // the usage is the helper's, tested above: here one bench with flags and one without
  it.each(scripts.filter((s) => s.name === "headline" || s.name === "fanout"))("bench:$name prints its usage on --help", async ({ name, file }) => {
    const r = await bench(file, ["--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: npm run bench:${name} -- \\[options\\]`));
    expect(r.stderr).toBe("");
  }, 150_000);

  it.each(Object.entries(badValues))("bench:%s refuses a bad value", async (name, [args, message]) => {
    const script = scripts.find((s) => s.name === name);
    expect(script).toBeDefined();
    const r = await bench(script!.file, args);
    expectUsageError(r, new RegExp(`^bench:${name}: option '--[\\w-]+ <[^>]+>+' ${message.source}`));
    expect(r.stdout).toBe("");
  }, 150_000);
});
