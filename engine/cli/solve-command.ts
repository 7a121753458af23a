import { solvers } from "../registry.ts";

/**
 * Solves one instance and prints its stats. Without a plan (no-solution,
 * proved, or timeout) it exits 1 with one line on stderr saying why, so a
 * script can tell; `--json` still prints the stats on stdout.
 */
export async function solveCommand(instance: string, opts: { timeLimit: number; out?: string; json?: boolean; exact?: boolean }): Promise<number> {
  const solver = await solvers.resolve("entropy");
  const stats = await solver.solveInstanceFile(instance, { timeLimitSeconds: opts.timeLimit, out: opts.out, exact: opts.exact });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  } else {
    const show = (v: unknown): string => (typeof v === "object" && v !== null && !Array.isArray(v) ? JSON.stringify(v) : String(v));
    process.stdout.write(`${Object.entries(stats).map(([k, v]) => `${k.padEnd(14)} ${show(v)}`).join("\n")}\n`);
  }
  if (stats.status === "solved" || stats.status === "unchanged") return 0;
  const why = (stats.reasons[0] ?? "no reason given").replace(/\s+/g, " ");
  process.stderr.write(`g5k-flow solve: ${stats.status}: ${why}\n`);
  return 1;
}
