import { expect } from "vitest";

/** A bad-input answer: exit 2, exactly one line on stderr, no stack trace. */
export function expectUsageError(result: { exitCode?: number; stderr: string }, message: RegExp): void {
  expect(result.exitCode).toBe(2);
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}
