import { existsSync, statSync } from "node:fs";
import { UsageError } from "../errors.ts";

/** `g5k-flow report <run-dir>`: writes the run's report.html and prints its path. */
export async function reportCommand(dir: string): Promise<number> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`no such run directory: ${dir}`);
  const { writeReport } = await import("../report/index.ts");
  process.stdout.write(`${await writeReport(dir)}\n`);
  return 0;
}
