import { solvers } from "../registry.ts";

export async function solveCommand(instance: string, opts: { timeLimit: number; out?: string; json?: boolean }): Promise<number> {
  const solver = await solvers.resolve("entropy");
  const stats = await solver.solveInstanceFile(instance, { timeLimitSeconds: opts.timeLimit, out: opts.out });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  } else {
    process.stdout.write(`${Object.entries(stats).map(([k, v]) => `${k.padEnd(14)} ${v}`).join("\n")}\n`);
  }
  return 0;
}
