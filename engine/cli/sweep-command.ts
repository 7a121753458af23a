import { existsSync } from "node:fs";
import { readManifest } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";
import { POINT_STATES, sweepsOf } from "../run/sweep-state.ts";

/** `g5k-flow sweep status <run-dir>`: point counts per state, and the points not done. */
export function sweepStatusCommand(dir: string, json: boolean): number {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  const sweeps = [...sweepsOf(dir)].map(([name, state]) => {
    const { points, skipped } = state.points();
    return {
      name,
      counts: state.counts(),
      points: [...points, ...skipped].map((key) => ({ point: key, state: state.state(key), error: state.failure(key) })),
    };
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ run: manifest.id, status: manifest.status, sweeps })}\n`);
    return 0;
  }
  if (sweeps.length === 0) {
    process.stdout.write(`run ${manifest.id} has no sweep\n`);
    return 0;
  }
  const lines = [`run ${manifest.id} (${manifest.status})`];
  for (const sweep of sweeps) {
    lines.push(`sweep ${sweep.name}: ${POINT_STATES.map((s) => `${sweep.counts[s]} ${s}`).join(", ")}`);
    for (const p of sweep.points.filter((p) => p.state !== "done")) lines.push(`  ${p.state.padEnd(11)} ${p.point}${p.error ? `  (${p.error})` : ""}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
