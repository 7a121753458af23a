import { PlainProgress } from "../progress/plain.ts";
import { TerminalProgress } from "../progress/terminal.ts";
import type { ProgressRenderer } from "../progress/types.ts";

/** A live display on an interactive terminal; plain lines for pipes and CI; stderr when stdout carries JSON. */
export function progressFor(json: boolean): ProgressRenderer {
  if (json) return new PlainProgress(process.stderr);
  if (process.stdout.isTTY && !process.env.CI) return new TerminalProgress();
  return new PlainProgress(process.stdout);
}
