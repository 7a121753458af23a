import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";
import { solverKind, type SolverKind } from "../entropy/index.ts";

/** DVMS tunables; defaults are the VMPlaceS values (docs/dvms.md). */
export interface DvmsOptions {
  /** Smallest partition the solver is tried on (VMPlaceS: 4). */
  readonly minPartitionSize: number;
  readonly overlay: "ring" | "lbo";
  /** Monitoring: a node checks its load at most this often (s). */
  readonly checkPeriod: number;
  /** A working leader re-announces its partition this often (s). */
  readonly announcePeriod: number;
  /** Members dissolve a partition not updated for this long (s). */
  readonly partitionTimeout: number;
  /** A leader drops a member that has not acked for this long (s). */
  readonly memberTimeout: number;
  /** A token receiver that does not ack within this time is taken for dead (s). */
  readonly handoffTimeout: number;
  /** Time limit given to the Entropy solver for one partition (s). */
  readonly solverTimeLimit: number;
  /** Entropy's repair heuristic, or its exact MIP inside each partition (as the original used Entropy's CP model). */
  readonly solver: SolverKind;
  /** Seed of the overlay's random choices (Vivaldi peer sampling); in a run, the run's stream `dvms.overlay` unless given. */
  readonly seed: number;
  /** Two Blocked partitions that meet merge into one Growing partition (docs/dvms.md). */
  readonly merge: boolean;
  /** How long an initiator holds a merge request while waiting for its own token to come home (s). */
  readonly mergeTimeout: number;
  /** Underload events: a node using less than this share of its cores starts an ISP to empty it; null = off. */
  readonly underload: number | null;
  /** After an ISP it initiated ended unsolved, a node waits this long before starting another (s); doubled after each further failure. */
  readonly backoff: number;
  /** Cap of that doubling wait (s). */
  readonly maxBackoff: number;
}

export const DEFAULT_OPTIONS: DvmsOptions = {
  minPartitionSize: 4,
  overlay: "ring",
  checkPeriod: 1,
  announcePeriod: 0.5,
  partitionTimeout: 4,
  memberTimeout: 1.5,
  handoffTimeout: 1,
  solverTimeLimit: 5,
  solver: "heuristic",
  seed: 1,
  merge: true,
  mergeTimeout: 1,
  underload: null,
  backoff: 5,
  maxBackoff: 120,
};

const positive = z.coerce.number().positive();
const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const schema = z
  .object({
    minPartitionSize: z.coerce.number().int().min(1),
    overlay: z.enum(["ring", "lbo"]),
    checkPeriod: positive,
    announcePeriod: positive,
    partitionTimeout: positive,
    memberTimeout: positive,
    handoffTimeout: positive,
    solverTimeLimit: positive,
    solver: solverKind,
    seed: z.coerce.number().int(),
    merge: bool,
    mergeTimeout: positive,
    underload: z.union([z.null(), z.coerce.number().gt(0).lt(1)]),
    backoff: z.coerce.number().min(0),
    maxBackoff: z.coerce.number().min(0),
  })
  .strict()
  .partial();

/** Merges user options (possibly strings from the CLI) over the defaults; bad ones are a UsageError. */
export function resolveOptions(input: Readonly<Record<string, unknown>> = {}): DvmsOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "options";
    throw new UsageError(`dvms: bad option ${where}: ${issue.message}`);
  }
  const options = { ...DEFAULT_OPTIONS, ...parsed.data };
  if (options.announcePeriod >= options.partitionTimeout) {
    throw new UsageError("dvms: announcePeriod must be shorter than partitionTimeout");
  }
  // A held request's members hear nothing until the merge: they must not time out meanwhile.
  if (options.mergeTimeout >= options.partitionTimeout) {
    throw new UsageError("dvms: mergeTimeout must be shorter than partitionTimeout");
  }
  if (options.maxBackoff < options.backoff) throw new UsageError("dvms: maxBackoff must be at least backoff");
  return options;
}
