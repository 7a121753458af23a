/**
 * An offline placement solver run on an instance file (`g5k-flow solve`).
 * Malformed or unsupported instances raise UsageError (exit code 2).
 */
export interface SolveStats {
  readonly solver: string;
  readonly instance: string;
  readonly status: "solved" | "unchanged" | "no-solution" | "timeout";
  /** Wall time of the solve (reading the instance excluded). */
  readonly solveSeconds: number;
  readonly migrations: number;
  /** All actions, migrations included. */
  readonly actions: number;
  /** End of the last action, in seconds. */
  readonly planDuration: number;
  /** Sum of action end times (the objective). */
  readonly cost: number;
  /** VMs the repair was free to move. */
  readonly managedVms: number;
  readonly nodes: number;
  readonly vms: number;
  /** Deterministic work units counted by the solver. */
  readonly work: number;
  /** Why there is no plan, when status is no-solution or timeout. */
  readonly reasons: readonly string[];
  /** Placement attempts (the first plus revisions after dead ends). */
  readonly attempts: number;
  /** Exact mode: the MIP's status, whether it was complete and proved optimal, its migration cost, which plan was kept. */
  readonly exact?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface InstanceSolver {
  readonly name: string;
  /** `exact`: optimal repair with a MIP solver (slower; small and medium instances). */
  solveInstanceFile(path: string, options: { timeLimitSeconds: number; out?: string; exact?: boolean }): Promise<SolveStats>;
}
