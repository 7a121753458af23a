import { ListrProgress } from "../progress/listr.ts";
import { PlainProgress } from "../progress/plain.ts";
import type { ProgressRenderer } from "../progress/types.ts";

/** listr2 on an interactive terminal; plain lines for pipes and CI; stderr when stdout carries JSON. */
export function progressFor(json: boolean): ProgressRenderer {
  if (json) return new PlainProgress(process.stderr);
  if (process.stdout.isTTY && !process.env.CI) return new ListrProgress();
  return new PlainProgress(process.stdout);
}
