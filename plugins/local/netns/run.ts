import { execa } from "execa";
import type { Seconds } from "../../../engine/cluster.ts";

/** Seconds a system tool (ip, ssh-keygen, a daemon's launcher) may take: generous, the machine may be starved. */
const TOOL_LIMIT: Seconds = 60;

/** Runs a system tool with an argument array within `limit` seconds; throws one line naming it, with its stderr, on failure. */
export async function sh(file: string, args: readonly string[], input?: string, limit: Seconds = TOOL_LIMIT): Promise<string> {
  const r = await execa(file, args, { input, reject: false, stripFinalNewline: true, timeout: limit * 1000 });
  if (r.timedOut) throw new Error(`${file} ${args.join(" ")}: not done within ${limit} s`);
  if (r.exitCode !== 0) {
    throw new Error(`${file} ${args.join(" ")} failed (${r.exitCode}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Maps over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
