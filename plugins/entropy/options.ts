import { z } from "zod";
import type { Seconds } from "../../engine/cluster.ts";
import { UsageError } from "../../engine/errors.ts";
import type { SolverKind } from "./solver/solve.ts";

export interface EntropyOptions {
  /** Seconds between two decisions (VMPlaceS: 30). */
  readonly period: Seconds;
  /** Testbed-time limit of one solve (a work count on the simulated clock, see solveLimits). */
  readonly timeLimit: Seconds;
  /** The repair heuristic, or the exact MIP (optimal on small and medium datacenters, see docs/entropy.md). */
  readonly solver: SolverKind;
}

const DEFAULTS: EntropyOptions = { period: 30, timeLimit: 10, solver: "heuristic" };

const positive = z.coerce.number().positive({ error: "must be a number > 0" });
export const solverKind = z.enum(["heuristic", "exact"]);
const schema = z.object({ period: positive, timeLimit: positive, solver: solverKind }).strict().partial();

/** Merges user options (possibly strings from the CLI) over the defaults; unknown keys and bad values are a UsageError. */
export function resolveOptions(input: Readonly<Record<string, unknown>> = {}): EntropyOptions {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ...DEFAULTS, ...parsed.data };
  const issue = parsed.error.issues[0];
  const known = `known: ${Object.keys(schema.shape).join(", ")}`;
  if (issue.code === "unrecognized_keys") throw new UsageError(`entropy: unknown option '${issue.keys[0]}' (${known})`);
  throw new UsageError(`entropy: bad option '${issue.path.join(".")}': ${issue.message.split("\n")[0]} (${known})`);
}
