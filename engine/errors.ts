/**
 * Bad input from the user (path, param, testbed name, malformed file): the CLI
 * prints its message as one line and exits with code 2, never a stack trace.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Raised inside a run when SIGINT/SIGTERM asked it to stop. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor(readonly signal: string) {
    super(signal === "walltime" ? "interrupted: the reservation's walltime is ending" : `interrupted by ${signal}`);
  }
}
