/**
 * Fault injection over a sweep (seeded): the engine is killed (SIGKILL or
 * SIGINT) at random moments, then resumed, again and again, until the run
 * completes. Checks that every point is done exactly once, the journal keeps
 * every line it had before each kill, and nothing else is lost. Used by
 * `npm run bench:faults` and by the fault tests.
 */
import { execa } from "execa";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SIZE = 6; // 11 sweep points (a = 0..5, b = x|y, minus a=0,b=y)
const env = { CI: "1", G5K_FLOW_PLUGINS: join(root, "test/engine/fixtures/toy-testbed.ts") };
const cli = (args: readonly string[]) => execa("node", [join(root, "bin/g5k-flow.js"), ...args], { cwd: root, reject: false, env });
const expected = Array.from({ length: SIZE }, (_, a) => [a * 10 + 1, a * 10 + 2]).flat().filter((v) => v !== 2).sort((m, n) => m - n);

export interface FaultReport {
  readonly seed: number;
  readonly trials: number;
  readonly faultsInjected: number;
  readonly kills: number;
  readonly interrupts: number;
  readonly survived: number;
  readonly journalLinesLost: number;
  readonly pointsLostOrDuplicated: number;
  readonly dataLost: number;
}

/** Resolves true once the run's journal under `results` is longer than `before` bytes, false if `child` ends first. */
async function journalGrows(results: string, before: number, child: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void child.finally(() => (ended = true));
  while (!ended) {
    const run = readdirSync(results)[0];
    const file = run ? join(results, run, "journal.jsonl") : "";
    if (file && existsSync(file) && statSync(file).size > before) return true;
    await sleep(20);
  }
  return false;
}

export async function injectFaults(trials: number, seed: number): Promise<FaultReport> {
  const rng = xoroshiro128plus(seed);
  const draw = (min: number, max: number): number => uniformInt(rng, min, max);
  let faults = 0;
  let kills = 0;
  let survived = 0;
  let lostLines = 0;
  let lostOrDuplicatedPoints = 0;
  for (let trial = 0; trial < trials; trial++) {
    const results = mkdtempSync(join(tmpdir(), "g5k-faults-"));
    let args: string[] = ["run", "test/engine/fixtures/sweep-workflow.ts", "--testbed", "toy", "--param", `size=${SIZE}`, "--param", "delay=80", "--results", results];
    let journalBefore = "";
    for (let attempt = 0; attempt < 20; attempt++) {
      const child = cli(args);
      // the first run always meets a fault, later ones 2 times out of 3 (never after the 6th, so every trial ends)
      const inject = attempt === 0 || (attempt < 6 && draw(0, 2) > 0);
      const signal = draw(0, 3) === 0 ? "SIGINT" : "SIGKILL";
      const delay = draw(0, 1200);
      let timer: NodeJS.Timeout | undefined;
      // counted from the moment this process journals (run-start or run-resume), not
      // from spawning it: on a loaded machine start-up alone outlasts any fixed delay
      if (inject) void journalGrows(results, Buffer.byteLength(journalBefore), child).then((grew) => grew && (timer = setTimeout(() => child.kill(signal), delay)));
      const result = await child;
      clearTimeout(timer);
      const run = readdirSync(results)[0];
      if (!run) continue; // killed before the archive existed: start again
      const dir = join(results, run);
      const journal = readFileSync(join(dir, "journal.jsonl"), "utf8");
      if (!journal.startsWith(journalBefore)) lostLines += 1;
      for (const line of journal.split("\n").filter(Boolean)) {
        try {
          JSON.parse(line);
        } catch {
          lostLines += 1;
        }
      }
      journalBefore = journal;
      if (result.exitCode === 0) {
        survived += 1;
        const file = join(dir, "metrics/points.csv");
        const [, ...rows] = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [""];
        const values = rows.map((r) => Number(r.split(",")[2])).sort((m, n) => m - n);
        if (JSON.stringify(values) !== JSON.stringify(expected)) lostOrDuplicatedPoints += 1;
        break;
      }
      faults += 1;
      if (result.signal === "SIGKILL") kills += 1;
      args = ["resume", dir];
    }
  }
  return { seed, trials, faultsInjected: faults, kills, interrupts: faults - kills, survived, journalLinesLost: lostLines, pointsLostOrDuplicated: lostOrDuplicatedPoints, dataLost: lostLines + lostOrDuplicatedPoints };
}
